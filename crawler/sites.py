"""Which site a URL belongs to, and whether a host is an internal address (pure functions).

A *site* is a registrable domain (public-suffix list: ``www.beijing.gov.cn`` and
``xxgk.beijing.gov.cn`` are both ``beijing.gov.cn``, because ``gov.cn`` is a public suffix); an IP
address is a site of its own (any spelling a resolver accepts: ``127.0.0.1``, ``2130706433``,
``0x7f.1``, ``[::1]``). Ports and schemes do not matter. The public-suffix list is the snapshot
bundled with ``tldextract`` — never fetched from the network — including its private section, so
two customers of one hosting suffix (``a.github.io``, ``b.github.io``) are two sites.

An *internal* address (:func:`is_private_address`) is one a harvester must not be steered to by a
portal: private, loopback, link-local, reserved, unspecified, multicast or otherwise non-global IP
addresses, ``localhost`` and other names that only resolve inside a network (single-label names,
``.local``, ``.internal``, ``.home.arpa``, ``.localdomain``). Only literal addresses and names are
judged here; a public name resolving to an internal address is not detected.
"""

from __future__ import annotations

import contextlib
import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

#: the bundled public-suffix snapshot only (no suffix_list_urls: never fetched; no cache dir)
PUBLIC_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True,
                                 include_psl_private_domains=True)

#: name suffixes that only resolve inside a network (RFC 6761/6762/8375 and common practice)
INTERNAL_SUFFIXES = ("localhost", "local", "internal", "home.arpa", "localdomain", "lan", "intranet")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def normalize_host(host: str) -> str:
    """Lower case, no brackets, no trailing dot, IDNA (punycode) for non-ASCII names."""
    host = (host or "").strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.rstrip(".")
    if host and not host.isascii():
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    return host


def _ipv4_number(part: str) -> int | None:
    """One dotted part as resolvers read it (WHATWG URL / inet_aton): 0x hex, leading-0 octal, decimal."""
    if part.startswith(("0x", "0X")):
        digits, base = part[2:], 16
        if digits == "":
            return 0
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    try:
        return int(digits, base) if digits.isalnum() and digits.isascii() else None
    except ValueError:
        return None


def _ends_in_number(host: str) -> bool:
    parts = host.split(".")
    last = parts[-1] if parts[-1] or len(parts) == 1 else parts[-2]
    return bool(last) and (last.isdigit() or (last[:2] in ("0x", "0X") and all(
        c in "0123456789abcdefABCDEF" for c in last[2:])))


def parse_ip(host: str) -> IPAddress | None:
    """The IP address a host names literally, in any spelling resolvers accept, else None.

    IPv4 in 1–4 dotted parts (``127.1``, ``2130706433``, ``0x7f000001``, ``0177.0.0.1``), IPv6
    (brackets optional, zone dropped)."""
    host = normalize_host(host)
    if not host:
        return None
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    if not _ends_in_number(host):
        return None
    parts = host.split(".")
    if len(parts) > 4:
        return None
    numbers = [_ipv4_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    value = values[-1]
    for index, n in enumerate(values[:-1]):
        value += n << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def is_ip_host(host: str) -> bool:
    """Whether the host is an IP literal — or looks like one (ends in a number) without parsing."""
    host = normalize_host(host)
    return parse_ip(host) is not None or ":" in host or (bool(host) and _ends_in_number(host))


def _ip_is_internal(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        for embedded in (ip.ipv4_mapped, ip.sixtofour, (ip.teredo or (None, None))[1]):
            if embedded is not None and _ip_is_internal(embedded):
                return True
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_unspecified
            or ip.is_multicast or not ip.is_global)


@lru_cache(maxsize=4096)
def is_private_address(host: str) -> bool:
    """Whether ``host`` names an internal address (see the module doc). A host that looks like an
    IP literal but does not parse is treated as internal (refused rather than guessed)."""
    host = normalize_host(host)
    if not host:
        return True
    ip = parse_ip(host)
    if ip is not None:
        return _ip_is_internal(ip)
    if is_ip_host(host):
        return True
    if "." not in host:  # a single-label name resolves through the local search domains only
        return True
    return any(host == s or host.endswith("." + s) for s in INTERNAL_SUFFIXES)


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The site of a host: its registrable domain, or the canonical address of an IP literal.

    A host that is itself a public suffix, or has no known suffix, is its own site."""
    host = normalize_host(host)
    ip = parse_ip(host)
    if ip is not None:
        return str(ip)
    if is_ip_host(host):
        return host
    extracted = PUBLIC_SUFFIXES(host)
    return extracted.top_domain_under_public_suffix or host


def host_of(url: str) -> str:
    try:
        return normalize_host(urlsplit(url).hostname or "")
    except ValueError:
        return ""


def site_of(url: str) -> str:
    """The site of a URL ("" for a URL without a host, e.g. ``data:``)."""
    host = host_of(url)
    return registrable_domain(host) if host else ""


def same_site(seed_url: str, url: str) -> bool:
    """Whether ``url`` is on the site of ``seed_url`` (same registrable domain or same IP address)."""
    seed_site, site = site_of(seed_url), site_of(url)
    return bool(seed_site) and seed_site == site


def leaves_site(seed_url: str, url: str) -> str | None:
    """Why a request for ``url`` made on behalf of ``seed_url`` must not be sent, or None if it may.

    Reasons: ``"another site"`` (different registrable domain / address) or ``"internal address"``
    (the URL's host is internal and the seed's is not). A URL without a host (``data:``) is fine."""
    host = host_of(url)
    if not host:
        return None if urlsplit(url).scheme in ("data", "about") else "another site"
    if is_private_address(host) and not is_private_address(host_of(seed_url)):
        return "internal address"
    if not same_site(seed_url, url):
        return "another site"
    return None
