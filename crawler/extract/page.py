"""One HTML page → one guide record (or the reason it is not a guide page).

This is the code both the spiders and ``guideaudit extract`` run, as a short pipeline:

    decode (decode.py) → parse → remove furniture (furniture.py)
      → structure detectors (detectors/: one module per structure, candidate pairs + evidence)
      → label mapper (mapper.py) → record builder (builder.py)

A page that is no guide is also classified (blockpage.py): a JS challenge, WAF block, login
wall, 系统繁忙 or soft-404 page is reported as such, so the spider records a fetch failure.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urldefrag, urljoin

from lxml import etree

from .blockpage import classify_page
from .builder import MIN_GUIDE_FIELDS, PageResult, build_record
from .context import resolve
from .decode import decode_html, garbled, normalise_encoding, undecodable
from .detectors import find_parts
from .furniture import remove as remove_furniture
from .labels import Labels, default_labels, load_labels
from .mapper import map_labels

__all__ = ["MIN_GUIDE_FIELDS", "PageResult", "extract_bytes", "extract_html", "page_links", "parse_html"]

MAX_PAGE_CHARS = 5_000_000  # pages above this are not parsed (DOWNLOAD_MAXSIZE caps bytes)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]{0,200}\?>")
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


def parse_html(text: str) -> etree._Element:
    # Plain lxml elements (not lxml.html's classes): no per-element class lookup on a hot path.
    text = _XML_DECL.sub("", text[:MAX_PAGE_CHARS], count=1)  # lxml refuses it on str input
    root = etree.fromstring(text if text and not text.isspace() else "<html></html>", _PARSER)
    return root if root is not None else etree.fromstring("<html></html>", _PARSER)


def extract_html(
    html: str,
    *,
    url: str | None = None,
    portal: str | None = None,
    fetched_at: str | None = None,
    labels: Labels | str | None = None,
    min_fields: int = MIN_GUIDE_FIELDS,
    collect_links: bool = False,
) -> PageResult:
    if isinstance(labels, str):
        labels = load_labels(labels)
    labels = labels or default_labels()
    root = parse_html(html)
    base = root.find(".//base")
    base_url = url
    if base is not None and base.get("href"):
        base_url = urljoin(url or "", base.get("href"))
    links = page_links(root, base_url) if collect_links else []
    furniture = remove_furniture(root)
    parts = find_parts(root, labels, base_url)
    map_labels(parts, labels)
    result = build_record(parts, url=url, portal=portal, fetched_at=fetched_at, labels=labels,
                          furniture=furniture, min_fields=min_fields)
    result.links = links
    if result.record is None:
        result.kind = classify_page(html, title=furniture.title, visible_text=_visible(root))
    return result


def _visible(root: etree._Element) -> str:
    from .text import element_text

    body = root.find("body")
    return element_text(body if body is not None else root)


def page_links(root: etree._Element, base_url: str | None) -> list[str]:
    """Absolute URLs of the page's links, in page order, without fragments or scripts."""
    base = base_url or ""
    seen: dict[str, None] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:", "tel:", "data:")):
            continue
        seen.setdefault(_defragged(resolve(base, href)), None)
    return list(seen)


@functools.lru_cache(maxsize=16384)
def _defragged(url: str) -> str:
    return urldefrag(url)[0]


def extract_bytes(
    body: bytes,
    *,
    url: str | None = None,
    declared_encoding: str | None = None,
    encoding: str | None = None,
    portal: str | None = None,
    fetched_at: str | None = None,
    min_fields: int = MIN_GUIDE_FIELDS,
    collect_links: bool = False,
    labels: Labels | str | None = None,
) -> tuple[PageResult, str]:
    """Decode (see decode.py) and extract; returns the result and the encoding used.
    ``labels``: a Labels table or the path of a user's synonyms YAML (loaded once a process)."""
    why = undecodable(body)
    if why is None:
        text, used = decode_html(body, declared_encoding, encoding)
        why = garbled(text, body) if encoding is None else None
    if why is not None:  # binary or unreadable in every charset: no page to read (ledger: undecodable)
        return PageResult(record=None, reason=why, kind="undecodable"), (normalise_encoding(declared_encoding) or "")
    result = extract_html(
        text, url=url, portal=portal, fetched_at=fetched_at, min_fields=min_fields,
        collect_links=collect_links, labels=labels,
    )
    return result, used
