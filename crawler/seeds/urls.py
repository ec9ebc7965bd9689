"""What a seed URL must not carry into a crawl: credentials, and hosts that are no public portal.

Pure functions. Credentials (``user:password@`` in a URL) are masked in every message about a seed
file (:func:`mask_credentials`, applied by :class:`~crawler.seeds.model.Problem` itself) and removed
from the URLs a crawl uses (:func:`strip_credentials`): public disclosure pages need no login, so a
seed never sends them and no log line, health detail, status line or stored ``portals.column_url``
can show them. Hosts are judged by the one source of address rules, :mod:`crawler.sites`.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from crawler.sites import is_ip_host, is_private_address, normalize_host, parse_ip

#: ``scheme://userinfo@`` at the start of a URL's authority (userinfo up to the authority's last ``@``)
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/?#]*)@")

MASK = "***"


def _masked(match: re.Match[str]) -> str:
    user, colon, _ = match["userinfo"].partition(":")
    # a user name alone may be a token (https://TOKEN@host): masked too
    shown = f"{user}:{MASK}" if colon else MASK
    return f"{match['scheme']}{shown}@"


def mask_credentials(text: str) -> str:
    """``text`` with the password of every URL's ``user:password@`` shown as ``user:***@``."""
    return _USERINFO.sub(_masked, text) if "@" in text else text


def strip_credentials(text: str) -> str:
    """``text`` with every URL's ``userinfo@`` removed (``https://u:p@host/`` → ``https://host/``)."""
    return _USERINFO.sub(lambda m: m["scheme"], text) if "@" in text else text


def has_credentials(text: str) -> bool:
    """Whether a URL in ``text`` carries ``userinfo@`` (a user name, a password or both)."""
    return "@" in text and _USERINFO.search(text) is not None


def _ip_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if ip.is_loopback:
        return "a loopback address (this machine)"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    return "a reserved address"


def host_problem(url: str) -> str | None:
    """Why ``url``'s host is no public portal's name, or None when it is an ordinary public name.

    Internal addresses (:func:`crawler.sites.is_private_address`: private, loopback, link-local,
    ``localhost``, single-label names ...) and IP addresses spelled other than as dotted quads (or
    standard IPv6). A public dotted address is fine: some county portals are reached so. A warning,
    not an error: the simulated portal farm runs on 127.0.0.1.
    """
    try:
        raw = urlsplit(url).hostname or ""
    except ValueError:
        return None
    host = normalize_host(raw)
    if not host:
        return None
    ip = parse_ip(host)
    if ip is not None:
        spelled = "" if host == str(ip) else f" (written {raw}, which resolvers read as {ip})"
        if is_private_address(host):
            kind = _ip_kind(ip)
            return (f"column_url host {ip}{spelled} is {kind}: no public portal lives there; "
                    "the crawl will request it (check the URL)")
        if spelled:  # decimal, hex, octal or short forms: nobody writes a portal's address so
            return (f"column_url host {raw} is the IP address {ip} in an unusual spelling (decimal, hex, "
                    f"octal or short form): write it as {ip}, or better the portal's name")
        return None  # some county portals really are reached by a public dotted address
    if is_ip_host(host):
        return f"column_url host {raw} looks like an IP address but is none a resolver accepts (check the URL)"
    if is_private_address(host):
        return (f"column_url host {raw} only resolves inside a network (localhost, a single-label or "
                ".local/.internal name): no public portal lives there")
    return None
