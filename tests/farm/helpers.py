"""HTTP helpers for the farm tests (urllib against 127.0.0.1, redirects not followed)."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_INSECURE = ssl.create_default_context()
_INSECURE.check_hostname = False
_INSECURE.verify_mode = ssl.CERT_NONE
_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=_INSECURE))


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self, encoding: str = "utf-8") -> str:
        return self.body.decode(encoding)


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
          timeout: float = 10.0) -> Fetched:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return Fetched(response.status, dict(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        return Fetched(error.code, dict(error.headers.items()), error.read())


def portal_of(manifest: dict, family: str, variant: str | None = None, fault: str | None = None) -> dict:
    for portal in manifest["portals"]:
        if portal["family"] == family and portal["fault"] == fault and (variant is None or portal["variant"] == variant):
            return portal
    raise LookupError(f"no {family}/{variant} portal with fault {fault} in the farm")


def fault_portal(manifest: dict, kind: str) -> dict:
    for portal in manifest["portals"]:
        if portal["fault"] == kind:
            return portal
    raise LookupError(f"no portal with fault {kind}")
