"""crawler.sites: registrable domains, IP literals in every spelling, internal addresses."""

from __future__ import annotations

import socket

import pytest

from crawler import sites


@pytest.mark.parametrize(("host", "site"), [
    ("www.beijing.gov.cn", "beijing.gov.cn"),
    ("xxgk.beijing.gov.cn", "beijing.gov.cn"),
    ("WWW.Beijing.GOV.cn.", "beijing.gov.cn"),
    ("www.gd.gov.cn", "gd.gov.cn"),
    ("www.sz.gd.gov.cn", "gd.gov.cn"),
    ("gov.cn", "gov.cn"),                      # a public suffix is its own site
    ("www.example.com", "example.com"),
    ("a.b.example.co.uk", "example.co.uk"),
    ("alice.github.io", "alice.github.io"),    # private-section suffixes separate customers
    ("127.0.0.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"),
    ("0x7f000001", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"),
    ("127.1", "127.0.0.1"),
    ("[::1]", "::1"),
    ("::FFFF:10.0.0.1", "::ffff:a00:1"),
    ("北京.政务.cn", "xn--zfr164b.cn"),
])
def test_registrable_domain(host: str, site: str) -> None:
    assert sites.registrable_domain(host) == site


@pytest.mark.parametrize("spelling", ["127.0.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1",
                                      "127.1", "127.0.1", "0x7F.1"])
def test_ipv4_spellings_agree_with_the_system_resolver(spelling: str) -> None:
    assert str(sites.parse_ip(spelling)) == socket.inet_ntoa(socket.inet_aton(spelling)) == "127.0.0.1"


@pytest.mark.parametrize("host", ["www.gov.cn", "example.com", "1.example.com", "example.123x", ""])
def test_names_are_not_ip_literals(host: str) -> None:
    assert sites.parse_ip(host) is None


@pytest.mark.parametrize("host", [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "127.0.0.2", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "255.255.255.255", "240.0.0.1", "2130706433", "0xa000001", "012.0.0.1",
    "0251.0376.0251.0376", "::1", "[::1]", "::", "fe80::1", "fc00::1", "fd12:3456::1", "::ffff:10.0.0.1",
    "::ffff:127.0.0.1", "2002:a00:1::", "ff02::1", "localhost", "LOCALHOST.", "app.localhost",
    "printer.local", "metadata.google.internal", "router.home.arpa", "localhost.localdomain",
    "intranet", "metadata", "999.1.1.1", "1.2.3.4.5",
])
def test_internal_addresses(host: str) -> None:
    assert sites.is_private_address(host)


@pytest.mark.parametrize("host", ["www.beijing.gov.cn", "8.8.8.8", "1.1.1.1", "2001:4860:4860::8888",
                                  "example.com", "134744072", "locals.example.com", "internal.gov.cn"])
def test_public_addresses(host: str) -> None:
    assert not sites.is_private_address(host)


@pytest.mark.parametrize(("seed", "url", "same"), [
    ("http://www.beijing.gov.cn/zwgk/nb/", "http://xxgk.beijing.gov.cn/a.html", True),
    ("http://www.beijing.gov.cn/zwgk/nb/", "https://www.beijing.gov.cn:8443/a.pdf", True),
    ("http://www.beijing.gov.cn/zwgk/nb/", "http://www.tianjin.gov.cn/a.html", False),
    ("http://www.beijing.gov.cn/zwgk/nb/", "http://beijing.gov.cn.evil.com/", False),
    ("http://www.beijing.gov.cn/zwgk/nb/", "http://gov.cn/", False),
    ("http://127.0.0.1:8000/p/x/", "http://127.0.0.1:9000/p/y/", True),
    ("http://127.0.0.1:8000/p/x/", "http://2130706433:8000/p/x/", True),
    ("http://127.0.0.1:8000/p/x/", "http://127.0.0.2:8000/p/x/", False),
    ("http://127.0.0.1:8000/p/x/", "http://localhost:8000/p/x/", False),
    ("http://1.2.3.4/", "http://1.2.3.5/", False),
    ("http://www.beijing.gov.cn/", "data:,", False),
])
def test_same_site(seed: str, url: str, same: bool) -> None:
    assert sites.same_site(seed, url) is same


@pytest.mark.parametrize(("seed", "url", "reason"), [
    ("http://www.beijing.gov.cn/nb/", "http://xxgk.beijing.gov.cn/a.html", None),
    ("http://www.beijing.gov.cn/nb/", "http://www.shanghai.gov.cn/a.html", "another site"),
    ("http://www.beijing.gov.cn/nb/", "http://169.254.169.254/latest/meta-data/", "internal address"),
    ("http://www.beijing.gov.cn/nb/", "http://10.0.0.1/", "internal address"),
    ("http://www.beijing.gov.cn/nb/", "http://2130706433/", "internal address"),
    ("http://www.beijing.gov.cn/nb/", "http://localhost/", "internal address"),
    ("http://www.beijing.gov.cn/nb/", "data:,", None),
    # a seed on an internal address may stay there, but not go to another address
    ("http://127.0.0.1:8000/p/x/", "http://127.0.0.1:8000/p/x/a.html", None),
    ("http://127.0.0.1:8000/p/x/", "http://10.0.0.1/", "another site"),
    ("http://127.0.0.1:8000/p/x/", "http://169.254.169.254/latest/meta-data/", "another site"),
    ("http://10.1.2.3/nb/", "http://10.1.2.3/a.html", None),
])
def test_leaves_site(seed: str, url: str, reason: str | None) -> None:
    assert sites.leaves_site(seed, url) == reason


def test_the_public_suffix_list_is_never_fetched(monkeypatch) -> None:
    import tldextract.suffix_list
    def no_network(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the public suffix list must not be fetched")
    monkeypatch.setattr(tldextract.suffix_list, "find_first_response", no_network)
    sites.registrable_domain.cache_clear()
    assert sites.registrable_domain("www.hangzhou.gov.cn") == "hangzhou.gov.cn"
    assert sites.PUBLIC_SUFFIXES.suffix_list_urls == ()
