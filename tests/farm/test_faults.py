"""Every fault portal misbehaves as specified, and the manifest names its expected seed health."""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from urllib.parse import urlsplit

import pytest

from portalsim import FAULT_EXPECTATIONS
from tests.farm.helpers import fault_portal, fetch

HEALTH = {"OK", "EMPTY", "ROBOTS-DISALLOWED"} | {f"BLOCKED:{k}" for k in
                                                 ("challenge-412", "cookie-521", "rate-limit-429", "server-5xx")} \
    | {f"BROKEN:{k}" for k in ("404", "soft-404", "redirect-home", "dns", "tls", "connect")} | {"MOVED"} \
    | {"PARTIAL:pager"}


def test_every_fault_kind_has_a_portal_and_a_known_classification(manifest):
    kinds = {p["fault"] for p in manifest["portals"] if p["fault"]}
    assert kinds == set(FAULT_EXPECTATIONS)
    for row in manifest["faults"]:
        if row["kind"] != "oversized-attachment":
            assert row["expected"] in HEALTH
            assert row["expected"] == FAULT_EXPECTATIONS[row["kind"]]
    for portal in manifest["portals"]:
        assert portal["expected_health"] in HEALTH


def test_burst_5xx_fails_first_attempt_then_succeeds(manifest):
    portal = fault_portal(manifest, "burst-5xx")
    first, second = fetch(portal["column_url"]), fetch(portal["column_url"])
    assert first.status in (500, 503) and second.status == 200


def test_server_5xx_always_fails(manifest):
    portal = fault_portal(manifest, "server-5xx")
    assert [fetch(portal["column_url"]).status for _ in range(3)] == [500, 500, 500]


def test_rate_limit_429_after_n_requests(farm_server, manifest):
    portal = fault_portal(manifest, "rate-limit-429")
    n = farm_server.farm.options.rate_limit_after
    statuses = [fetch(portal["column_url"]).status for _ in range(n + 2)]
    assert statuses[:n] == [200] * n and statuses[n:] == [429, 429]
    assert fetch(portal["column_url"]).headers.get("Retry-After")
    for report in [r for r in manifest["reports"] if r["portal_id"] == portal["id"]][:3]:
        assert fetch(report["detail_url"]).status == 429
        assert not report["expect_stored"]


def test_timeout_stalls_first_listing_request(farm_server, manifest):
    portal = fault_portal(manifest, "timeout")
    stall = farm_server.farm.options.timeout_s
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        fetch(portal["column_url"], timeout=stall / 3)
    started = time.monotonic()
    assert fetch(portal["column_url"]).status == 200
    assert time.monotonic() - started < stall


def test_connection_reset_then_success(manifest):
    portal = fault_portal(manifest, "reset")
    with pytest.raises((ConnectionResetError, urllib.error.URLError, http.client.RemoteDisconnected)):
        fetch(portal["column_url"])
    assert fetch(portal["column_url"]).status == 200


def test_truncated_body_then_success(manifest):
    portal = fault_portal(manifest, "truncated")
    with pytest.raises(http.client.IncompleteRead):
        fetch(portal["column_url"])
    assert fetch(portal["column_url"]).status == 200


def test_challenge_412_page(manifest):
    page = fetch(fault_portal(manifest, "challenge-412")["column_url"])
    assert page.status == 412 and b"$_ts" in page.body and "Set-Cookie" in page.headers


def test_cookie_521_page(manifest):
    page = fetch(fault_portal(manifest, "cookie-521")["column_url"])
    assert page.status == 521 and b"document.cookie=" in page.body
    assert "__jsluid_h" in page.headers["Set-Cookie"]


def test_hard_and_soft_404(manifest):
    assert fetch(fault_portal(manifest, "not-found")["column_url"]).status == 404
    soft = fetch(fault_portal(manifest, "soft-404")["column_url"])
    assert soft.status == 200
    assert "页面不存在".encode("gbk") in soft.body or "页面不存在".encode() in soft.body
    assert "年度报告".encode() not in soft.body and "年度报告".encode("gbk") not in soft.body


def test_redirect_to_homepage(manifest):
    portal = fault_portal(manifest, "redirect-home")
    answer = fetch(portal["column_url"])
    assert answer.status == 302
    home = answer.headers["Location"]
    assert home == f'{portal["base_url"]}/p/{portal["id"]}/'
    assert fetch(home).status == 200


def test_robots_disallows_the_column(farm_server, manifest):
    portal = fault_portal(manifest, "robots-disallow")
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(fetch(farm_server.base_url + "/robots.txt").text().splitlines())
    assert not robots.can_fetch("ogi-harvest", portal["column_url"])
    healthy = next(p for p in manifest["portals"] if p["fault"] is None)
    assert robots.can_fetch("ogi-harvest", healthy["column_url"])


def test_robots_500_on_its_own_host(farm_server, manifest):
    portal = fault_portal(manifest, "robots-500")
    assert portal["base_url"] != farm_server.base_url
    assert fetch(portal["base_url"] + "/robots.txt").status == 500
    assert fetch(portal["column_url"].split("#")[0]).status == 200


def test_oversized_attachment_is_streamed_at_the_configured_size(farm_server, manifest):
    row = next(r for r in manifest["faults"] if r["kind"] == "oversized-attachment")
    answer = fetch(row["url"])
    assert answer.status == 200
    assert int(answer.headers["Content-Length"]) == len(answer.body) == farm_server.farm.options.oversized_bytes


def test_the_default_oversized_attachment_is_over_the_crawls_download_cap():
    # at exactly the cap Scrapy downloads it whole (it refuses only what is larger), so a default
    # farm would hand every crawl a 64 MiB body to hold instead of the refusal the fault is for
    from crawler import settings
    from portalsim import FarmOptions

    assert FarmOptions().oversized_bytes > settings.DOWNLOAD_MAXSIZE


def test_self_signed_https(manifest):
    portal = fault_portal(manifest, "tls-self-signed")
    assert portal["column_url"].startswith("https://127.0.0.1:")
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(portal["column_url"], timeout=5)  # verification fails: self-signed/expired
    assert fetch(portal["column_url"]).status == 200  # without verification it works


def test_broken_tls_endpoint(manifest):
    portal = fault_portal(manifest, "tls-broken")
    host, port = urllib.parse.urlsplit(portal["column_url"]).netloc.split(":")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        with pytest.raises(ssl.SSLError):
            context.wrap_socket(raw, server_hostname=host)


def test_empty_column_lists_no_report(farm_server, manifest):
    portal = fault_portal(manifest, "empty")
    assert portal["expected_health"] == "EMPTY" and portal["report_count"] == 0
    assert fetch(portal["column_url"]).status == 200
    assert not [r for r in manifest["reports"] if r["portal_id"] == portal["id"]]



# ------------------------------------------------------------------------ bad input (issue 4)

def _form(farm, portal_id: str) -> bytes:
    p = farm.portal(portal_id)
    return f"col=1&appid=1&webid=1&path=/&columnid={p.column_id}&unitid={p.unit_id}&permissiontype=0".encode()


def test_pager_that_lies_about_its_page_count(manifest):
    portal = fault_portal(manifest, "pager-lies")
    real = len(portal["listing_urls"])
    count = int(re.search(r"createPageHTML\((\d+),", fetch(portal["column_url"]).body.decode("gbk", "replace")).group(1))
    assert count == real + 2
    assert fetch(portal["column_url"].replace("index.html", f"index_{real - 1}.html")).status == 200
    assert fetch(portal["column_url"].replace("index.html", f"index_{real}.html")).status == 404


def test_pager_that_loops_back_to_page_one(manifest):
    portal = fault_portal(manifest, "pager-loop")
    last = portal["listing_urls"][-1]
    text = fetch(last).body.decode("gbk" if portal["encoding"] != "utf-8" else "utf-8")
    nxt = re.search(r'<a href="([^"]+)">下一页</a>', text).group(1)
    assert urllib.parse.urljoin(last, nxt) == portal["column_url"]


def test_pager_announcing_an_empty_page(manifest):
    portal = fault_portal(manifest, "empty-page")
    last = portal["listing_urls"][-1]
    text = fetch(last).body.decode("gbk" if portal["encoding"] != "utf-8" else "utf-8")
    nxt = urllib.parse.urljoin(last, re.search(r'<a href="([^"]+)">下一页</a>', text).group(1))
    empty = fetch(nxt)
    assert empty.status == 200 and empty.body == b""


@pytest.mark.parametrize("kind, error", [("xml-malformed", "ParseError"), ("xml-bomb", "EntitiesForbidden")])
def test_hanweb_second_group_is_broken_xml(farm_server, manifest, kind, error):
    import defusedxml.ElementTree as safe_xml

    portal = fault_portal(manifest, kind)
    per = farm_server.farm.portal(portal["id"]).page_size
    proxy = f'{portal["base_url"]}/p/{portal["id"]}/module/web/jpage/dataproxy.jsp'
    good = fetch(f"{proxy}?startrecord=1&endrecord={per * 3}&perpage={per}", data=_form(farm_server.farm, portal["id"]))
    assert len(safe_xml.fromstring(good.body).findall("./recordset/record")) == per * 3
    bad = fetch(f"{proxy}?startrecord={per * 3 + 1}&endrecord={per * 6}&perpage={per}",
                data=_form(farm_server.farm, portal["id"]))
    with pytest.raises(Exception) as caught:
        safe_xml.fromstring(bad.body)
    assert type(caught.value).__name__ == error
    hidden = [r for r in manifest["reports"] if r["portal_id"] == portal["id"] and not r["expect_stored"]]
    ids = [d.doc_id for d in farm_server.farm.portal(portal["id"]).documents]
    assert hidden and all(ids.index(int(r["key"].split("/")[1])) >= per * 3 for r in hidden)


def test_json_api_error_payload_beyond_first_page(farm_server, manifest):
    portal = fault_portal(manifest, "json-error")
    p = farm_server.farm.portal(portal["id"])
    search = f'{portal["base_url"]}/p/{portal["id"]}/info_open/search'
    base = f"siteId={p.unit_id}&channelIds={p.column_id}&pageSize={p.page_size}"
    assert json.loads(fetch(search, data=f"{base}&pageIndex=1".encode()).body)["status"] == 0
    assert json.loads(fetch(search, data=f"{base}&pageIndex=2".encode()).body)["status"] != 0
    stored = [r for r in manifest["reports"] if r["portal_id"] == portal["id"] and r["expect_stored"]]
    assert 0 < len(stored) <= p.page_size


def test_every_fault_row_describes_its_behaviour(manifest):
    from portalsim.model import FAULT_DETAILS

    assert set(FAULT_DETAILS) == set(FAULT_EXPECTATIONS)
    for row in manifest["faults"]:
        if row["kind"] != "oversized-attachment":
            assert row["detail"] == FAULT_DETAILS[row["kind"]]


def test_column_moved_to_another_site(manifest):
    portal = fault_portal(manifest, "column-moved")
    answer = fetch(portal["column_url"])
    assert answer.status == 301
    target = urlsplit(answer.headers["Location"])
    column = urlsplit(portal["column_url"])
    assert target.hostname == "127.0.0.2" and target.path == column.path and target.port == column.port


def test_offsite_redirects_send_every_report_link_off_the_site(manifest):
    portal = fault_portal(manifest, "offsite-redirects")
    reports = [r for r in manifest["reports"] if r["portal_id"] == portal["id"]]
    assert len(reports) >= 3 and not any(r["expect_stored"] for r in reports)
    targets = set()
    for report in reports:
        answer = fetch(report["detail_url"])
        assert answer.status == 302
        targets.add(urlsplit(answer.headers["Location"]).hostname)
    assert targets == {"127.0.0.2", "169.254.169.254", "10.0.0.1"}
    # the listing itself is served normally
    assert fetch(portal["column_url"]).status == 200


def test_connect_refused_port(farm_server, manifest):
    portal = fault_portal(manifest, "connect-refused")
    assert portal["base_url"] != farm_server.base_url
    with pytest.raises(urllib.error.URLError) as exc:
        fetch(portal["column_url"], timeout=3)
    assert isinstance(exc.value.reason, ConnectionRefusedError)
