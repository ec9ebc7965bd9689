"""Result types of the page cleaner."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CleanedPage:
    """What clean_page() made of one detail page. Never partially built: every field is set.

    content_html      the report content container as HTML (tables kept as <table> structure), or "".
    content_text      readable text, one block per line, each table row as ``| a | b |``.
    normalized_text   content_text after NFKC and whitespace removal (input of ``digest``).
    digest            sha256 hex of normalized_text (UTF-8).
    published         ISO date ``YYYY-MM-DD`` or None; published_source says where it came from:
                      "meta" (PubDate), "index_table" (发布日期), "byline", "listing", "none".
    attachments       ((absolute url, file name), ...), in document order, deduplicated by url.
    container         strategy that produced the content: a selector name such as
                      "trs:.TRS_Editor", "markers", "trafilatura", "body" or "none".
    flags             machine-readable outcome flags (see FLAGS in cleaner.py).
    warnings          human-readable notes naming the problem.
    """

    encoding: str
    content_html: str
    content_text: str
    normalized_text: str
    digest: str
    title: str | None
    published: str | None
    published_source: str
    index_no: str | None
    publisher: str | None
    site_id_code: str | None
    attachments: tuple[tuple[str, str], ...]
    container: str
    flags: frozenset[str] = field(default_factory=frozenset)
    warnings: tuple[str, ...] = ()
