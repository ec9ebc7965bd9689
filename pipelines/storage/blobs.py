"""Content-addressed store of raw fetched bytes: ``<sha256[:2]>/<sha256>``, on disk or on S3.

Bytes are written once and never modified, so a better parser can re-read every document without
the network. Every user (the archive stage, reparse, ``scrapy show``, export) goes through the
:class:`BlobStore` protocol and gets its store from :func:`open_blob_store`:

- ``file:///path`` (the default, ``HARVEST_BLOB_DIR``): ``<path>/<sha256[:2]>/<sha256>``, written
  atomically via a temporary file and rename;
- ``s3://bucket/prefix``: the object ``<prefix>/<sha256[:2]>/<sha256>`` on any S3-compatible endpoint
  (AWS S3, Aliyun OSS, Tencent COS, MinIO). Never overwritten: a HEAD first, then a conditional put
  (``If-None-Match: *``) where the endpoint supports it, a plain put where it does not. Transient
  failures (connection refused or reset, timeouts, 5xx, throttling) are retried with a bounded
  exponential backoff; what still fails raises :class:`BlobStoreUnavailable`, an ``OSError`` with
  a one-line reason, so the archive stage reports it as a storage failure (:mod:`.faults`).

Reads stream: :meth:`BlobStore.open` returns a file-like object that checks the digest as it is
read (:class:`BlobCorrupted` at the end when the bytes do not match); a missing blob raises
``FileNotFoundError`` on both backends.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, Protocol, TypeVar, runtime_checkable
from urllib.parse import unquote, urlsplit

CHUNK = 1024 * 1024
T = TypeVar("T")


class BlobCorrupted(RuntimeError):
    """A stored blob's bytes no longer match its address."""


class BlobStoreUnavailable(OSError):
    """The blob store cannot be read or written (after the retries): a one-line reason."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_digest(digest: str) -> str:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"not a sha256 hex digest: {digest!r}")
    return digest


def blob_key(digest: str) -> str:
    """The address of ``digest`` below a store's root: ``<sha256[:2]>/<sha256>``."""
    return f"{check_digest(digest)[:2]}/{digest}"


@runtime_checkable
class BlobStore(Protocol):
    """What every backend offers; see the module docstring for the rules they share."""

    url: str

    def put(self, data: bytes) -> str:
        """Store ``data`` unless already present (never overwriting) and return its sha256."""
        ...

    def open(self, digest: str) -> IO[bytes]:
        """A streaming reader of the blob; FileNotFoundError when absent."""
        ...

    def get(self, digest: str) -> bytes:
        """The whole blob; FileNotFoundError when absent, BlobCorrupted when it does not match."""
        ...

    def has(self, digest: str) -> bool: ...


class VerifyingReader:
    """Reads a blob's stream and raises :class:`BlobCorrupted` at its end if the digest differs."""

    def __init__(self, raw: Any, digest: str, where: str) -> None:
        self.raw, self.digest, self.where = raw, digest, where
        self.hash = hashlib.sha256()
        self.done = False

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.raw.read() if size is None or size < 0 else self.raw.read(size)
        self.hash.update(data)
        if (not data or size is None or size < 0) and not self.done:
            self.done = True
            if self.hash.hexdigest() != self.digest:
                raise BlobCorrupted(f"blob {self.digest} in {self.where} does not match its digest")
        return data

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> VerifyingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_all(reader: VerifyingReader) -> bytes:
    with reader:
        parts = []
        while chunk := reader.read(CHUNK):
            parts.append(chunk)
        return b"".join(parts)


class FileBlobStore:
    """``<root>/<sha256[:2]>/<sha256>`` on a local (or shared) file system."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.url = self.root.absolute().as_uri()

    def path_for(self, digest: str) -> Path:
        return self.root / blob_key(digest)

    def put(self, data: bytes) -> str:
        """Store ``data`` (no-op if present) and return its sha256 hex digest."""
        digest = sha256_hex(data)
        path = self.path_for(digest)
        if path.exists() and path.stat().st_size == len(data):
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def open(self, digest: str) -> IO[bytes]:
        return VerifyingReader(self.path_for(digest).open("rb"), digest, str(self.root))  # type: ignore[return-value]

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``; raises FileNotFoundError or BlobCorrupted."""
        return _read_all(self.open(digest))  # type: ignore[arg-type]

    def has(self, digest: str) -> bool:
        return self.path_for(digest).exists()


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff for transient S3 failures."""

    attempts: int = 5
    initial_wait: float = 0.5
    max_wait: float = 8.0


@dataclass(frozen=True)
class S3Options:
    """How to reach the endpoint; credentials and region come from the standard AWS variables
    (or the shared config files) through boto3 itself."""

    endpoint_url: str | None = None
    addressing_style: str | None = None  # "path", "virtual" or None (boto3's "auto")
    region: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retry: RetryPolicy = RetryPolicy()


_ADDRESSING: dict[str, Literal["auto", "virtual", "path"]] = {"auto": "auto", "virtual": "virtual", "path": "path"}
_TRANSIENT_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
                    "InternalError", "ServiceUnavailable", "503", "500", "502", "504"}
_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}


def _error_code(exc: BaseException) -> tuple[str, int]:
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code, status


def is_transient(exc: BaseException) -> bool:
    """True for failures that may go away: connection refused/reset, timeouts, 5xx, throttling."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(exc, ConnectionError | HTTPClientError):  # includes EndpointConnectionError, timeouts
        return True
    if isinstance(exc, ClientError):
        code, status = _error_code(exc)
        return code in _TRANSIENT_CODES or status >= 500
    return False


class S3BlobStore:
    """``s3://bucket/prefix``: ``<prefix>/<sha256[:2]>/<sha256>`` on an S3-compatible endpoint."""

    def __init__(self, bucket: str, prefix: str = "", options: S3Options | None = None,
                 client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.options = options or S3Options()
        self.url = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.client = client if client is not None else self._client()
        self.conditional_put = True  # cleared when the endpoint rejects If-None-Match

    def _client(self) -> Any:
        import boto3
        from botocore.config import Config

        opts = self.options
        config = Config(connect_timeout=opts.connect_timeout, read_timeout=opts.read_timeout,
                        retries={"total_max_attempts": 1},  # one retry policy: ours, below
                        s3={"addressing_style": _ADDRESSING.get(opts.addressing_style or "auto", "auto")})
        return boto3.session.Session().client("s3", endpoint_url=opts.endpoint_url or None,
                                              region_name=opts.region or None, config=config)

    def key_for(self, digest: str) -> str:
        return f"{self.prefix}/{blob_key(digest)}" if self.prefix else blob_key(digest)

    def _call(self, what: str, digest: str, action: Callable[[], T]) -> T:
        """Run ``action`` with the bounded retries; a final failure becomes BlobStoreUnavailable."""
        from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

        policy = self.options.retry
        try:
            for attempt in Retrying(stop=stop_after_attempt(max(policy.attempts, 1)),
                                    wait=wait_exponential(multiplier=policy.initial_wait, max=policy.max_wait),
                                    retry=retry_if_exception(is_transient), reraise=True):
                with attempt:
                    return action()
        except FileNotFoundError:
            raise
        except Exception as exc:
            if is_transient(exc) or _is_boto_error(exc):
                raise BlobStoreUnavailable(self._reason(what, digest, exc)) from exc
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _reason(self, what: str, digest: str, exc: BaseException) -> str:
        """``S3 PUT s3://bucket/prefix failed after N attempts: <code or error>: <first line>``."""
        from botocore.exceptions import ConnectionError, HTTPClientError

        code, status = _error_code(exc)
        if isinstance(exc, ConnectionError | HTTPClientError):
            endpoint = self.options.endpoint_url or "the default AWS endpoint"
            detail = f"{type(exc).__name__}: cannot reach {endpoint}"
        else:
            text = str(exc).strip()
            detail = text.splitlines()[0] if text else type(exc).__name__
            if code and code not in detail:
                detail = f"{code} (HTTP {status}): {detail}"
        tries = f" after {self.options.retry.attempts} attempts" if is_transient(exc) else ""
        return f"S3 {what} {self.url} failed{tries}: {detail}"[:200]

    def has(self, digest: str) -> bool:
        def head() -> bool:
            from botocore.exceptions import ClientError

            try:
                self.client.head_object(Bucket=self.bucket, Key=self.key_for(digest))
            except ClientError as exc:
                if _error_code(exc)[0] in _NOT_FOUND_CODES:
                    return False
                raise
            return True

        return self._call("HEAD", digest, head)

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        if self.has(digest):
            return digest
        self._call("PUT", digest, lambda: self._put_new(digest, data))
        return digest

    def _put_new(self, digest: str, data: bytes) -> None:
        from botocore.exceptions import ClientError

        args = {"Bucket": self.bucket, "Key": self.key_for(digest), "Body": data}
        if self.conditional_put:
            try:
                self.client.put_object(IfNoneMatch="*", **args)
                return
            except ClientError as exc:
                code, status = _error_code(exc)
                if code in {"PreconditionFailed", "ConditionalRequestConflict"} or status == 412:
                    return  # written meanwhile by another worker: same address, same bytes
                if code not in {"NotImplemented", "InvalidArgument", "InvalidRequest"} and status != 501:
                    raise
                self.conditional_put = False  # the endpoint lacks conditional writes: HEAD was the check
        self.client.put_object(**args)

    def open(self, digest: str) -> IO[bytes]:
        def fetch() -> Any:
            from botocore.exceptions import ClientError

            try:
                return self.client.get_object(Bucket=self.bucket, Key=self.key_for(digest))["Body"]
            except ClientError as exc:
                if _error_code(exc)[0] in _NOT_FOUND_CODES:
                    raise FileNotFoundError(f"no blob {digest} in {self.url}") from exc
                raise

        return VerifyingReader(self._call("GET", digest, fetch), digest, self.url)  # type: ignore[return-value]

    def get(self, digest: str) -> bytes:
        try:
            return _read_all(self.open(digest))  # type: ignore[arg-type]
        except (BlobCorrupted, FileNotFoundError, BlobStoreUnavailable):
            raise
        except Exception as exc:  # the stream broke mid-read
            if is_transient(exc) or _is_boto_error(exc):
                raise BlobStoreUnavailable(self._reason("GET", digest, exc)) from exc
            raise


def _is_boto_error(exc: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, BotoCoreError | ClientError)


def open_blob_store(url: str, s3: S3Options | None = None) -> BlobStore:
    """The store at ``url``: ``file:///path`` (or a bare path) or ``s3://bucket/prefix``."""
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError(f"blob store URL {url!r} names no bucket (s3://bucket/prefix)")
        return S3BlobStore(parts.netloc, unquote(parts.path), s3)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"blob store URL {url!r}: file URLs name a local path (file:///path)")
        return FileBlobStore(unquote(parts.path))
    if parts.scheme == "" and url:
        return FileBlobStore(url)
    raise ValueError(f"blob store URL {url!r}: expected file:///path or s3://bucket/prefix")


def blob_store_from_settings(settings: Any) -> BlobStore:
    """The store the Scrapy settings name: ``HARVEST_BLOB_URL`` if set, else ``HARVEST_BLOB_DIR``."""
    url = settings.get("HARVEST_BLOB_URL") or Path(settings["HARVEST_BLOB_DIR"]).absolute().as_uri()
    retry = RetryPolicy(attempts=settings.getint("HARVEST_BLOB_RETRY_ATTEMPTS", RetryPolicy.attempts),
                        initial_wait=settings.getfloat("HARVEST_BLOB_RETRY_WAIT", RetryPolicy.initial_wait),
                        max_wait=settings.getfloat("HARVEST_BLOB_RETRY_MAX_WAIT", RetryPolicy.max_wait))
    options = S3Options(endpoint_url=settings.get("HARVEST_S3_ENDPOINT_URL") or None,
                        addressing_style=settings.get("HARVEST_S3_ADDRESSING_STYLE") or None,
                        region=settings.get("HARVEST_S3_REGION") or None,
                        connect_timeout=settings.getfloat("HARVEST_S3_TIMEOUT", 10.0),
                        read_timeout=settings.getfloat("HARVEST_S3_TIMEOUT", 10.0) * 6, retry=retry)
    return open_blob_store(url, options)
