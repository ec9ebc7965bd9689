"""Dispatcher, sniffing and limits: bad inputs give an ExtractionError or a warning, in bounded time."""

from __future__ import annotations

import os
import time

import pytest

from pipelines.parsing.extract import ExtractionError, Limits, extract, sniff
from pipelines.parsing.extract.limits import Deadline
from tests.parsing.fixtures_extract import make_docx, make_ofd, make_xlsx


@pytest.mark.parametrize("maker,fmt", [(make_docx, "docx"), (make_xlsx, "xlsx"),
                                       (lambda: make_ofd([[(1.0, 1.0, "文字")]]), "ofd")])
def test_sniff_zip_containers_by_members(maker, fmt):
    assert sniff(maker()) == fmt


@pytest.mark.parametrize("body,fmt", [
    (b"%PDF-1.7\n...", "pdf"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + "WordDocument".encode("utf-16-le"), "doc"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + "Workbook".encode("utf-16-le"), "xls"),
    ("<!DOCTYPE html><html><body>年报</body></html>".encode(), "html"),
    ("\ufeff<html><body>年报</body></html>".encode(), "html"),
    ("一、总体情况\n正文".encode(), "text"),
    (b"PK\x03\x04not really a zip", "zip"),
])
def test_sniff_magic_bytes(body, fmt):
    assert sniff(body) == fmt


def test_wrong_extension_docx_named_pdf():
    doc = extract(make_docx(), filename="report.pdf", content_type="application/pdf")
    assert doc.source_format == "docx"
    assert any("suggest pdf" in w and "docx" in w for w in doc.warnings)


def test_html_named_txt_no_warning_needed():
    doc = extract("<html><body><p>年报</p></body></html>".encode(), filename="a.txt")
    assert doc.source_format == "html" and doc.blocks[0].text == "年报"


def test_large_file_rejected_by_size_not_allocated():
    # Stands in for a "200 MB file": the limit is checked on len() before any parsing.
    body = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024)
    start = time.monotonic()
    with pytest.raises(ExtractionError) as err:
        extract(body, limits=Limits(max_bytes=1024 * 1024))
    assert time.monotonic() - start < 0.5
    assert err.value.code == "too_large" and "max_bytes=1048576" in err.value.reason


def test_unknown_zip_is_unsupported():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("photo.jpg", b"\xff\xd8")
    with pytest.raises(ExtractionError) as err:
        extract(buf.getvalue(), filename="a.zip")
    assert err.value.code == "unsupported"


def test_random_bytes_with_office_name_fail_clearly():
    body = os.urandom(50_000)
    for name in ("a.pdf", "a.docx", "a.xlsx", "a.doc", "a.bin", None):
        start = time.monotonic()
        with pytest.raises(ExtractionError) as err:
            extract(body, filename=name)
        assert time.monotonic() - start < 5
        assert err.value.code in ("binary", "corrupt"), (name, err.value)


def test_deadline_helper():
    ticks = iter([0.0, 0.5, 2.0])
    deadline = Deadline(1.0, clock=lambda: next(ticks))
    deadline.check("first")
    with pytest.raises(ExtractionError) as err:
        deadline.check("page 2")
    assert err.value.code == "deadline" and "page 2" in err.value.reason and "limit 1 s" in err.value.reason


def test_html_deadline_is_enforced():
    page = ("<html><body>" + "<p>段落</p>" * 3000 + "</body></html>").encode()
    with pytest.raises(ExtractionError) as err:
        extract(page, limits=Limits(deadline_s=0.0))
    assert err.value.code == "deadline"


def test_docx_with_entity_declarations_refused():
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(make_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>', 1)
            zf.writestr(info, data)
    with pytest.raises(ExtractionError) as err:
        extract(out.getvalue(), filename="evil.docx")
    assert err.value.code == "xml_entities" and "word/document.xml" in err.value.reason


@pytest.mark.parametrize("magic", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"GIF89a\x01\x00"])
def test_image_file_is_needs_ocr_not_a_failure(magic: bytes) -> None:
    from pipelines.parsing import parse_document

    result = parse_document(magic + b"\x00" * 64, content_type="image/png", filename="scan_1.png")
    assert result.status == "needs_ocr", result


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc (VmHWM)")
def test_peak_rss_is_the_programs_own_not_its_large_parents():
    # Linux carries ru_maxrss over execve: a program started by a 300 MB parent used to report
    # 300 MB as its own peak (scrapy worker under bench/scale.py's 1,000-portal farm: 741 MB).
    import subprocess
    import sys

    child = ("import resource; from pipelines.parsing.extract.limits import peak_rss_mb; "
             "print(peak_rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    parent = ("import subprocess, sys; held = bytearray(300 * 2**20); held[::4096] = b'x' * len(held[::4096]); "
              f"print(subprocess.run([sys.executable, '-c', {child!r}], capture_output=True, text=True, "
              "check=True).stdout)")
    out = subprocess.run([sys.executable, "-c", parent], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    own, inherited = (float(v) for v in out.stdout.split())
    if inherited < 300:
        pytest.skip("this kernel does not carry ru_maxrss over execve: nothing to tell apart")
    assert own < 150
