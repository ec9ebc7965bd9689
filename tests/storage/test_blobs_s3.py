"""The blob store on both backends (issue 14, item 2): a directory and an S3 API endpoint.

The S3 side talks HTTP to moto's standalone server started on 127.0.0.1 by this module — a real
S3 API endpoint, not an in-process mock of the client. The nightly tests run the ``scrapy`` CLI
against the small simulated farm with SQLite and that endpoint.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.commands.runs import EXIT_INCOMPLETE
from crawler.config import get_config
from pipelines.storage.blobs import (
    BlobCorrupted,
    BlobStore,
    BlobStoreUnavailable,
    FileBlobStore,
    RetryPolicy,
    S3BlobStore,
    S3Options,
    open_blob_store,
    sha256_hex,
)
from pipelines.storage.models import Document
from portalsim import Farm, FarmServer
from tests.crawl.harness import Workspace, manifest_report_urls, summary_line

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.moto_server.threaded_moto_server")

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
               "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
FAST_RETRY = RetryPolicy(attempts=3, initial_wait=0.05, max_wait=0.2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Endpoint:
    """moto's S3 server on 127.0.0.1; can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: Any = None

    def start(self) -> None:
        self.server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def options(self, retry: RetryPolicy = FAST_RETRY) -> S3Options:
        return S3Options(endpoint_url=self.url, addressing_style="path", region="us-east-1",
                         connect_timeout=2, read_timeout=5, retry=retry)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    server = Endpoint()
    server.start()
    yield server
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


_buckets = iter(range(10**6))


@pytest.fixture(params=["file", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "file":
        return open_blob_store((tmp_path / "blobs").as_uri())
    endpoint: Endpoint = request.getfixturevalue("endpoint")
    bucket = endpoint.bucket(f"blobs-{next(_buckets)}")
    return open_blob_store(f"s3://{bucket}/harvest/raw", endpoint.options())


def _overwrite_behind_its_back(store: BlobStore, digest: str, data: bytes) -> None:
    if isinstance(store, FileBlobStore):
        store.path_for(digest).write_bytes(data)
    else:
        assert isinstance(store, S3BlobStore)
        store.client.put_object(Bucket=store.bucket, Key=store.key_for(digest), Body=data)


def test_put_get_has_and_the_layout(store: BlobStore) -> None:
    data = "第一部分 总体情况".encode() * 100
    digest = store.put(data)
    assert digest == sha256_hex(data) and store.has(digest) and store.get(digest) == data
    missing = sha256_hex(b"never stored")
    assert not store.has(missing)
    with pytest.raises(FileNotFoundError):
        store.get(missing)
    with pytest.raises(ValueError):
        store.has("../../etc/passwd")
    if isinstance(store, S3BlobStore):  # the same <sha256[:2]>/<sha256> address under the prefix
        keys = [o["Key"] for o in store.client.list_objects_v2(Bucket=store.bucket)["Contents"]]
        assert keys == [f"harvest/raw/{digest[:2]}/{digest}"]
    else:
        assert isinstance(store, FileBlobStore)
        assert [p.relative_to(store.root).as_posix() for p in store.root.rglob("*") if p.is_file()] == \
            [f"{digest[:2]}/{digest}"]


def test_never_overwrite(store: BlobStore) -> None:
    data = b"%PDF-1.4 original bytes"
    digest = store.put(data)
    _overwrite_behind_its_back(store, digest, b"%PDF-1.4 tampered bytes")  # same length
    assert store.put(data) == digest  # present: not written again, so the tampering stays visible
    with pytest.raises(BlobCorrupted):
        store.get(digest)


def test_streaming_read_checks_the_digest_at_the_end(store: BlobStore) -> None:
    data = bytes(range(256)) * 12_000  # ~3 MB, read in chunks
    digest = store.put(data)
    chunks = []
    with store.open(digest) as reader:
        while chunk := reader.read(256 * 1024):
            chunks.append(chunk)
    assert len(chunks) > 3 and b"".join(chunks) == data
    _overwrite_behind_its_back(store, digest, data[:-1] + b"\x00")
    with pytest.raises(BlobCorrupted), store.open(digest) as reader:
        while reader.read(256 * 1024):
            pass


def test_a_concurrent_writer_is_not_overwritten(endpoint: Endpoint) -> None:
    """Two workers archiving the same bytes: HEAD said absent to both, the conditional put keeps the first."""
    store = open_blob_store(f"s3://{endpoint.bucket('race')}/p", endpoint.options())
    assert isinstance(store, S3BlobStore)
    data = b"the same report fetched by two workers"
    digest = sha256_hex(data)
    store.client.put_object(Bucket=store.bucket, Key=store.key_for(digest), Body=b"first writer")
    store.has = lambda digest: False  # type: ignore[method-assign]  # both HEADs raced
    assert store.put(data) == digest
    body = store.client.get_object(Bucket=store.bucket, Key=store.key_for(digest))["Body"].read()
    assert body == b"first writer"


def test_transient_failures_are_retried_with_backoff(endpoint: Endpoint) -> None:
    store = open_blob_store(f"s3://{endpoint.bucket('retry')}/p",
                            endpoint.options(RetryPolicy(attempts=6, initial_wait=0.2, max_wait=1.0)))
    endpoint.stop()  # the endpoint goes away mid-run and comes back
    restart = threading.Timer(0.5, endpoint.start)
    restart.start()
    try:
        began = time.monotonic()
        digest = store.put(b"bytes written once the endpoint is back")
        assert time.monotonic() - began >= 0.4 and store.get(digest) == b"bytes written once the endpoint is back"
    finally:
        restart.join()


def test_retries_are_bounded_and_end_in_a_one_line_reason(endpoint: Endpoint) -> None:
    down = S3Options(endpoint_url=f"http://127.0.0.1:{_free_port()}", addressing_style="path", region="us-east-1",
                     connect_timeout=1, retry=RetryPolicy(attempts=2, initial_wait=0.05, max_wait=0.1))
    with pytest.raises(BlobStoreUnavailable) as refused:
        open_blob_store("s3://nowhere/p", down).put(b"x")
    assert "after 2 attempts" in str(refused.value) and "\n" not in str(refused.value)
    assert isinstance(refused.value, OSError)  # the archive stage's storage-failure path

    with pytest.raises(BlobStoreUnavailable) as missing:  # not transient: no retries
        open_blob_store("s3://no-such-bucket/p", endpoint.options()).put(b"x")
    assert "NoSuchBucket" in str(missing.value) and "attempts" not in str(missing.value)


def test_blob_url_from_the_environment(tmp_path: Path) -> None:
    default = get_config({"HARVEST_VAR_DIR": str(tmp_path)})
    assert default.blob_url == "" and default.blob_dir == tmp_path / "blobs"
    s3 = get_config({"HARVEST_BLOB_URL": "s3://reports/cn", "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
                     "HARVEST_S3_ADDRESSING_STYLE": "virtual", "AWS_REGION": "cn-hangzhou"})
    assert (s3.blob_url, s3.s3_endpoint_url, s3.s3_addressing_style, s3.s3_region) == \
        ("s3://reports/cn", "http://127.0.0.1:9000", "virtual", "cn-hangzhou")
    for bad in ("ftp://x/y", "s3:///prefix", "/relative/path"):
        with pytest.raises(ValueError, match="HARVEST_BLOB_URL"):
            get_config({"HARVEST_BLOB_URL": bad})
    with pytest.raises(ValueError, match="ADDRESSING"):
        get_config({"HARVEST_S3_ADDRESSING_STYLE": "sideways"})
    assert isinstance(open_blob_store((tmp_path / "b").as_uri()), FileBlobStore)
    opened = open_blob_store("s3://bucket/a/b/", S3Options(endpoint_url="http://127.0.0.1:1"))
    assert isinstance(opened, S3BlobStore) and opened.key_for("a" * 64) == f"a/b/aa/{'a' * 64}"


# --- nightly runs against SQLite + the S3 endpoint --------------------------------------------------


@pytest.fixture
def farm(tmp_path: Path) -> Iterator[FarmServer]:
    server = FarmServer(Farm.generate(portals=3, seed=7, faults=False), port=0)
    server.start()
    server.write_out(Workspace(tmp_path).seeds.parent)
    yield server
    server.stop()


def _expected(server: FarmServer) -> set[str]:
    manifest = server.manifest()
    ok = {p["id"] for p in manifest["portals"] if p.get("expected_health") == "OK"}
    return manifest_report_urls({"reports": [r for r in manifest["reports"] if r["portal_id"] in ok]})


def _documents(ws: Workspace) -> list[Document]:
    try:
        with ws.store().sessions() as session:
            return list(session.scalars(select(Document)))
    except Exception:  # no tables: nothing stored
        return []


RETRY_FAST = ("-s", "HARVEST_BLOB_RETRY_ATTEMPTS=3", "-s", "HARVEST_BLOB_RETRY_WAIT=0.05",
              "-s", "HARVEST_BLOB_RETRY_MAX_WAIT=0.2", "-s", "HARVEST_S3_TIMEOUT=2")


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["no_such_bucket", "endpoint_down"])
def test_nightly_on_s3_fault_then_rerun_stores_every_report_once(
        tmp_path: Path, farm: FarmServer, endpoint: Endpoint, fault: str) -> None:
    ws = Workspace(tmp_path)
    bucket = endpoint.bucket(f"nightly-{fault.replace('_', '-')}")
    good = {**CREDENTIALS, "HARVEST_BLOB_URL": f"s3://{bucket}/raw", "HARVEST_S3_ENDPOINT_URL": endpoint.url,
            "HARVEST_S3_ADDRESSING_STYLE": "path"}
    broken_env = dict(good)
    if fault == "no_such_bucket":
        broken_env["HARVEST_BLOB_URL"] = "s3://no-such-bucket/raw"
    else:
        broken_env["HARVEST_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{_free_port()}"

    broken = ws.scrapy("nightly", *RETRY_FAST, **broken_env)
    output = broken.stdout + broken.stderr
    assert broken.returncode == EXIT_INCOMPLETE, output[-3000:]
    reasons = [line for line in broken.stderr.splitlines() if line.startswith("error:")]
    assert len(reasons) == 1, output[-3000:]
    expected_reason = "NoSuchBucket" if fault == "no_such_bucket" else "after 3 attempts"
    assert "cannot archive" in reasons[0] and " S3 " in reasons[0] and expected_reason in reasons[0], reasons[0]
    assert "Traceback" not in output
    assert summary_line(broken.stdout)["errors"] >= 1
    assert _documents(ws) == []  # nothing parsed or stored without its archived bytes
    if fault != "endpoint_down":
        return  # one rerun is enough to show recovery (each nightly costs seconds)

    rerun = ws.scrapy("nightly", **good)
    assert rerun.returncode == 0, (rerun.stdout + rerun.stderr)[-3000:]
    documents = _documents(ws)
    per_url = Counter(d.requested_url for d in documents)
    expected = _expected(farm)
    assert expected <= set(per_url), sorted(expected - set(per_url))[:5]
    assert [u for u, n in per_url.items() if n > 1] == []
    s3 = open_blob_store(good["HARVEST_BLOB_URL"], endpoint.options())
    assert all(s3.get(d.sha256) for d in documents)  # every stored document's bytes are on S3, intact
    assert not (ws.var / "blobs").exists()  # and nothing went to the local directory
