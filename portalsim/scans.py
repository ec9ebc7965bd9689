"""Scanned copies of documents for OCR development: PDF pages rendered at 150 dpi with a slight
tilt, blur, sensor noise and grey paper, packed into an image-only PDF (no text layer).

Deterministic for a given seed. Used by ``bench/ocr.py`` and the OCR tests.
"""

from __future__ import annotations

import io
import random

DPI = 150


def render_pages(pdf_bytes: bytes, pages: list[int] | None = None, dpi: int = DPI):
    """PIL greyscale images of the PDF's pages (1-based ``pages``; all when None)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        wanted = pages or list(range(1, len(pdf) + 1))
        return [pdf[n - 1].render(scale=dpi / 72).to_pil().convert("L") for n in wanted]
    finally:
        pdf.close()


def degrade(image, seed: int = 0, *, max_tilt: float = 0.6, blur: float = 0.6, noise: float = 8.0,
            paper: int = 225):
    """A scanner's copy of a clean page image: rotated by up to ``max_tilt`` degrees, blurred,
    with Gaussian noise of ``noise`` grey levels, on paper of grey ``paper`` (255 = white)."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    angle = rng.uniform(-max_tilt, max_tilt)
    img = image.convert("L").rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(img, dtype=np.float32)
    arr = arr * (paper / 255.0)  # grey paper: white becomes `paper`, ink stays dark
    gen = np.random.default_rng(seed)
    arr = arr + gen.normal(0.0, noise, arr.shape)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), mode="L")


def image_pdf(images, dpi: int = DPI) -> bytes:
    """An image-only PDF (one JPEG per page, no text layer)."""
    out = io.BytesIO()
    first, *rest = [im.convert("RGB") for im in images]
    first.save(out, format="PDF", save_all=True, append_images=rest, resolution=float(dpi), quality=85)
    return out.getvalue()


def scanned_pdf(pdf_bytes: bytes, pages: list[int] | None = None, seed: int = 0, **degradation) -> bytes:
    """The scan of a PDF: its pages rendered, degraded (``degradation``: :func:`degrade`'s
    keywords) and packed as an image-only PDF."""
    return image_pdf([degrade(im, seed + i, **degradation) for i, im in enumerate(render_pages(pdf_bytes, pages))])
