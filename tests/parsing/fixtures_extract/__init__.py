"""Builders for the format readers' test documents (generated in the tests, never stored binaries).

The ``seed_*.txt`` files next to this module are copies of ``../shared/seeds-texts`` (allowed by
the project rules); everything else is rendered here from known content.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"


def seed(name: str) -> bytes:
    """A seed text by a name starting ``seed_NNN`` (the rest names the table layout it shows)."""
    from portalsim.bodies import SEED_TEXT_DIR

    return next(SEED_TEXT_DIR.glob(f"{name[5:8]}_*.txt")).read_bytes()


def corpus_file(name: str) -> Path | None:
    """A corpus document, or None when ../shared/corpus is absent."""
    path = CORPUS / "docs" / name
    return path if path.exists() else None


# --- PDF -----------------------------------------------------------------------------------

def _cid_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def make_pdf(table_rows: list[list[str]], *, intro: str = "正文内容。" * 30,
             header: str | None = "某某局政府信息公开工作年度报告", page_numbers: bool = True,
             encrypt: str | None = None, spans: list[tuple] = ()) -> bytes:
    """A PDF (STSong-Light CID font) with a heading, prose, one ruled table and a closing line;
    running header and ``— N —`` page numbers on every page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    font = _cid_font()
    buf = io.BytesIO()
    style = ParagraphStyle("s", fontName=font, fontSize=11, leading=14)
    table = Table(table_rows, repeatRows=0)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black), *spans]))

    def on_page(canvas, doc) -> None:
        canvas.setFont(font, 9)
        if page_numbers:
            canvas.drawCentredString(A4[0] / 2, 20, f"— {doc.page} —")
        if header:
            canvas.drawString(50, A4[1] - 30, header)

    doc = SimpleDocTemplate(buf, pagesize=A4, encrypt=encrypt)
    doc.build([Paragraph("一、总体情况", style), Paragraph(intro, style), table,
               Paragraph("四、结束语", style)], onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


def make_image_pdf() -> bytes:
    """A PDF whose only page is a picture (no text layer)."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (200, 100), (255, 255, 255))
    for x in range(20, 180):
        img.putpixel((x, 50), (0, 0, 0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(img), 50, 500, width=400, height=200)
    c.showPage()
    c.save()
    return buf.getvalue()


# --- DOCX / XLSX ----------------------------------------------------------------------------

def make_docx() -> bytes:
    """Paragraph, table (horizontal + vertical merges), paragraph, second table, paragraph."""
    import docx

    d = docx.Document()
    d.add_paragraph("某某局2023年政府信息公开工作年度报告")
    d.add_paragraph("二、主动公开政府信息情况")
    t = d.add_table(rows=4, cols=4)
    t.cell(0, 0).merge(t.cell(0, 3)).text = "第二十条第（一）项"
    for c, text in enumerate(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]):
        t.cell(1, c).text = text
    for c, text in enumerate(["规章", "0", "", "3"]):
        t.cell(2, c).text = text
    t.cell(3, 0).text = "行政规范性文件"
    t.cell(3, 1).merge(t.cell(3, 2)).text = "5"
    t.cell(3, 3).text = "12"
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    t2 = d.add_table(rows=3, cols=3)
    t2.cell(0, 0).merge(t2.cell(2, 0)).text = "三、本年度办理结果"
    t2.cell(0, 1).text = "（一）予以公开"
    t2.cell(0, 2).text = "7"
    t2.cell(1, 1).text = "（二）部分公开"
    t2.cell(1, 2).text = "2"
    t2.cell(2, 1).text = "（七）总计"
    t2.cell(2, 2).text = "9"
    d.add_paragraph("六、其他需要报告的事项")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def make_xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表三"
    ws["A1"] = "申请人情况"
    ws.merge_cells("A1:C1")
    ws.append(["自然人", "法人", "总计"])
    ws.append([95, 0, 95])
    ws.append([62.550000000000004, 3.0, 0.1 + 0.2])
    ws["D4"] = 7730.28
    ws["D4"].number_format = "0.00"
    ws2 = wb.create_sheet("空表")
    del ws2
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- OFD ------------------------------------------------------------------------------------

_OFD_NS = "http://www.ofdspec.org/2016"


def _text_object(ident: int, x: float, y: float, text: str, size: float = 3.5) -> str:
    width = size * len(text)
    return (f'<ofd:TextObject ID="{ident}" Boundary="{x} {y} {width} {size * 1.4}" Font="1" Size="{size}">'
            f'<ofd:TextCode X="0" Y="{size}">{text}</ofd:TextCode></ofd:TextObject>')


def make_ofd(pages: list[list[tuple[float, float, str]]], *, doctype: bool = False) -> bytes:
    """An OFD package: OFD.xml → Doc_0/Document.xml → Doc_0/Pages/Page_N/Content.xml.
    ``pages``: per page, (x, y, text) runs in any order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{_OFD_NS}" '
                               'Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml'
                               '</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        page_refs = "".join(f'<ofd:Page ID="{i + 10}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
                            for i in range(len(pages)))
        zf.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document '
                                          f'xmlns:ofd="{_OFD_NS}"><ofd:Pages>{page_refs}</ofd:Pages>'
                                          '</ofd:Document>')
        for i, runs in enumerate(pages):
            objs = "".join(_text_object(100 + k, x, y, t) for k, (x, y, t) in enumerate(runs))
            dtd = ('<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                   if doctype else "")
            zf.writestr(f"Doc_0/Pages/Page_{i}/Content.xml",
                        f'<?xml version="1.0" encoding="UTF-8"?>{dtd}<ofd:Page xmlns:ofd="{_OFD_NS}">'
                        f'<ofd:Content><ofd:Layer ID="2">{objs}</ofd:Layer></ofd:Content></ofd:Page>')
    return buf.getvalue()


def make_zip_bomb(member: str = "word/document.xml", size: int = 50 * 1024 * 1024) -> bytes:
    """A ZIP whose one member inflates from a few KB to ``size`` bytes of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open(member, "w", force_zip64=True) as fh:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                fh.write(chunk)
    return buf.getvalue()
