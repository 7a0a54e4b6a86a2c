"""One HTML page → one guide record (or the reason it is not a guide page).

This is the code both the spiders and ``guideaudit extract`` run.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag

from lxml import etree

from guideaudit.record import FormLink, GuideRecord, Material, Step

from .decode import decode_html
from .labels import Labels, default_labels
from .pairs import PageParts, Pair, Row, find_parts, prune_chrome, resolve

# A page is a guide when it shows 事项名称 and at least this many mapped fields in all.
MIN_GUIDE_FIELDS = 5
MAX_PAGE_CHARS = 5_000_000  # pages above this are not parsed (DOWNLOAD_MAXSIZE caps bytes)
_SAMPLE_WORDS = ("样表", "样例", "示例", "样本", "范本", "填写样")


@dataclass
class PageResult:
    record: GuideRecord | None
    reason: str = ""  # why the page is not a guide
    fields_found: list[str] = field(default_factory=list)
    form_urls: set[str] = field(default_factory=set)  # links the spider must not crawl as pages
    links: list[str] = field(default_factory=list)  # every <a href> of the page, absolute


_XML_DECL = re.compile(r"^\s*<\?xml[^>]{0,200}\?>")
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


def parse_html(text: str) -> etree._Element:
    # Plain lxml elements (not lxml.html's classes): no per-element class lookup on a hot path.
    text = _XML_DECL.sub("", text[:MAX_PAGE_CHARS], count=1)  # lxml refuses it on str input
    root = etree.fromstring(text if text.strip() else "<html></html>", _PARSER)
    return root if root is not None else etree.fromstring("<html></html>", _PARSER)


def _form(links: list[tuple[str, str]]) -> FormLink | None:
    if not links:
        return None
    url, name = links[0]
    return FormLink(url=url, name=name)


def _material(row: Row) -> Material:
    data: dict[str, Any] = {}
    for name in ("name", "source", "originals", "copies", "medium", "required"):
        if name in row.cells:
            data[name] = row.cells[name]
    for name in ("blank_form", "sample_form"):
        if name in row.links:
            data[name] = _form(row.links[name])
    if "forms" in row.links:
        # One 表格下载 column holding both: tell them apart by the link text.
        for url, text in row.links["forms"]:
            kind = "sample_form" if any(w in text for w in _SAMPLE_WORDS) else "blank_form"
            if data.get(kind) is None:
                data[kind] = FormLink(url=url, name=text)
    return Material(**data)


def _step(row: Row) -> Step:
    return Step(**{k: v for k, v in row.cells.items() if k in Step.model_fields})


def _guide_scope(pairs: list[Pair]) -> etree._Element | None:
    """The smallest element holding every structural pair that mapped to a field."""
    anchors = [p.element for p in pairs if p.structural and p.field]
    if len(anchors) < 3:
        return None
    common = list(anchors[0].iterancestors())[::-1] + [anchors[0]]
    for el in anchors[1:]:
        chain = set(el.iterancestors()) | {el}
        while common and common[-1] not in chain:
            common.pop()
    return common[-1] if common else None


def _inside(el: etree._Element, scope: etree._Element) -> bool:
    return el is scope or any(a is scope for a in el.iterancestors())


def build_record(
    parts: PageParts,
    *,
    url: str | None,
    portal: str | None,
    fetched_at: str | None,
    min_fields: int = MIN_GUIDE_FIELDS,
) -> PageResult:
    scope = _guide_scope(parts.pairs)
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    forms: set[str] = set()
    mapped_parents: dict[etree._Element, int] = {}
    for pair in parts.pairs:
        if pair.field:
            parent = pair.element.getparent()
            mapped_parents[parent] = mapped_parents.get(parent, 0) + 1
    for pair in parts.pairs:
        if (
            not pair.structural
            and scope is not None
            and not _inside(pair.element, scope)
            and mapped_parents.get(pair.element.getparent(), 0) < 2
        ):
            continue  # a lone "标签：值" line outside the guide (an unmarked footer's 联系电话)
        if not pair.structural and not pair.field and mapped_parents.get(pair.element.getparent(), 0) < 2:
            continue  # "注意：…" prose, not a field among fields
        for link_url, _ in pair.links:
            forms.add(link_url)
        if pair.field == "result_sample":
            if "result_sample" not in values:
                values["result_sample"] = _form(pair.links)
        elif pair.field:
            values.setdefault(pair.field, pair.value)
        elif pair.label.rstrip("：: "):
            extra.setdefault(pair.label.rstrip("：: "), pair.value)
    # A section under a heading that names a field (<h3>受理条件</h3><div>…</div>).
    labels = default_labels()
    for title, text, _ in parts.headings:
        fld = labels.fields.field(title)
        if fld and fld not in values and fld != "result_sample":
            values[fld] = text
    found = sorted(k for k, v in values.items() if v is not None)
    if not values.get("item_name"):
        return PageResult(None, "页面中没有“事项名称”", found, forms)
    if len(found) < min_fields:
        return PageResult(None, f"只识别出 {len(found)} 个指南字段（至少需要 {min_fields} 个）", found, forms)
    if parts.materials:
        values["materials"] = [_material(r) for table in parts.materials for r in table]
    if parts.steps:
        values["steps"] = [_step(r) for table in parts.steps for r in table]
    for m in values.get("materials", []):
        for link in (m.blank_form, m.sample_form):
            if link and link.url:
                forms.add(link.url)
    if values.get("result_sample") is not None and values["result_sample"].url:
        forms.add(values["result_sample"].url)
    record = GuideRecord(url=url, portal=portal, fetched_at=fetched_at, extra=extra, **values)
    return PageResult(record, "", found, forms)


def extract_html(
    html: str,
    *,
    url: str | None = None,
    portal: str | None = None,
    fetched_at: str | None = None,
    labels: Labels | None = None,
    min_fields: int = MIN_GUIDE_FIELDS,
    collect_links: bool = False,
) -> PageResult:
    root = parse_html(html)
    base = root.find(".//base")
    base_url = url
    if base is not None and base.get("href"):
        from urllib.parse import urljoin

        base_url = urljoin(url or "", base.get("href"))
    links = page_links(root, base_url) if collect_links else []
    prune_chrome(root)
    parts = find_parts(root, labels or default_labels(), base_url)
    result = build_record(parts, url=url, portal=portal, fetched_at=fetched_at, min_fields=min_fields)
    result.links = links
    return result


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
) -> tuple[PageResult, str]:
    """Decode (see decode.py) and extract; returns the result and the encoding used."""
    text, used = decode_html(body, declared_encoding, encoding)
    result = extract_html(
        text, url=url, portal=portal, fetched_at=fetched_at, min_fields=min_fields,
        collect_links=collect_links,
    )
    return result, used
