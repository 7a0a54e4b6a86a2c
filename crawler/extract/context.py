"""What the structure detectors share: the candidate pair, table rows, and one page's context.

A detector reads the pruned tree and yields candidate label–value pairs (``Pair``) with the
evidence for them (which detector, which element); it never decides the record field: the label
mapper does (mapper.py). Detectors may ask whether a text is a known label, since "this cell maps
to a field" is the evidence that a table or list is a label/value structure at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .labels import MAX_LABEL_CHARS, Labels, label_key
from .text import element_text

LABEL_CLASS = re.compile(r"(?:^|[-_])(?:name|label|lable|title|tit|key|th|item-name)(?:[-_]|$)", re.I)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5"})
INLINE_LABEL_TAGS = frozenset({"strong", "b", "label", "span", "em", "i", "font", "dt"})


@dataclass
class Pair:
    label: str
    value: str
    field: str | None  # set by the mapper (mapper.py)
    element: etree._Element  # the value element (or the label element for text pairs)
    structural: bool  # from a table, <dl> or a labelled element, not a free "标签：值" text
    links: list[tuple[str, str]] = field(default_factory=list)  # (absolute url, link text)
    detector: str = ""  # evidence: which structure produced it
    score: float = 0.0  # label match score (100 exact)
    method: str = ""  # exact | fuzzy | user | "" (unmatched)


@dataclass
class Row:
    cells: dict[str, str | None]
    links: dict[str, list[tuple[str, str]]]


@dataclass
class Section:
    """A block of text under a title (heading, tab, stacked table row) that may be one field."""

    title: str
    text: str
    element: etree._Element
    detector: str


@dataclass
class PageParts:
    pairs: list[Pair]
    materials: list[list[Row]]  # one list of rows per materials table
    steps: list[list[Row]]
    sections: list[Section]
    material_headers: list[list[str]] = field(default_factory=list)  # header texts per table


# Text of elements already read during one detection run: cells are read several times
# (label test, header test, value). Keys keep their proxies alive, so ids are never reused.
_TEXT_CACHE: dict[etree._Element, str] = {}


# Elements holding a table, of the page being read (set by index_tables, None outside a detection
# run): has_table is asked for most cells, and a set lookup beats walking each cell's subtree.
_TABLE_HOLDERS: set[etree._Element] | None = None


def t(el: etree._Element) -> str:
    text = _TEXT_CACHE.get(el)
    if text is None:
        text = _TEXT_CACHE[el] = element_text(el)
    return text


def clear_cache() -> None:
    global _TABLE_HOLDERS
    _TEXT_CACHE.clear()
    _TABLE_HOLDERS = None


def index_tables(root: etree._Element) -> None:
    """Note every ancestor of every table, for has_table during one detection run (the tree is
    not changed while detectors read it)."""
    global _TABLE_HOLDERS
    holders: set[etree._Element] = set()
    for table in root.iter("table"):
        for anc in table.iterancestors():
            if anc in holders:
                break  # its ancestors are in already
            holders.add(anc)
    _TABLE_HOLDERS = holders


def classes(el: etree._Element) -> list[str]:
    return ((el.get("class") or "") + " " + (el.get("id") or "")).split()


@lru_cache(maxsize=8192)
def _label_tokens(class_and_id: str) -> bool:
    # Pages repeat the same few class/id strings: the token regex runs once per string.
    return any(LABEL_CLASS.search(tok) for tok in class_and_id.split())


def label_classed(el: etree._Element) -> bool:
    cls, eid = el.get("class"), el.get("id")
    if not cls and not eid:
        return False
    return _label_tokens((cls or "") + " " + (eid or ""))


def short(el: etree._Element) -> bool:
    """Short enough, one line, no nested table: could be a label."""
    text = t(el)
    key = label_key(text)
    return bool(key) and len(key) <= MAX_LABEL_CHARS and "\n" not in text and not has_table(el)


def has_table(el: etree._Element) -> bool:
    holders = _TABLE_HOLDERS
    if holders is not None:
        return el in holders
    for _ in el.iterdescendants("table"):
        return True
    return False


@lru_cache(maxsize=16384)
def _join_at_origin(origin: str, href: str) -> str:
    return urljoin(origin, href)


def resolve(base: str, href: str) -> str:
    """urljoin(base, href). A root-relative href ("/files/F1.docx") depends only on the base's
    scheme and host (urljoin ignores its path and query then), so its result is cached per
    origin: form and navigation links repeat across the pages of a portal."""
    if href[:1] == "/" and href[1:2] != "/":
        parts = urlsplit(base)  # itself cached by the standard library
        if parts.scheme in ("http", "https") and parts.netloc:
            return _join_at_origin(f"{parts.scheme}://{parts.netloc}/", href)
    return urljoin(base, href)


def links_of(el: etree._Element, base_url: str | None) -> list[tuple[str, str]]:
    found = []
    for a in el.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:", "tel:")):
            continue
        found.append((resolve(base_url or "", href), t(a)))
    return found


class Context:
    """One page's detection state: the label tables, the base URL and the elements used."""

    def __init__(self, root: etree._Element, labels: Labels, base_url: str | None) -> None:
        self.root = root
        self.labels = labels
        self.base_url = base_url
        self.used: set[etree._Element] = set()
        self.pairs: list[Pair] = []
        self.materials: list[list[Row]] = []
        self.material_headers: list[list[str]] = []
        self.steps: list[list[Row]] = []
        self.sections: list[Section] = []
        self.table_rows: dict[etree._Element, list[etree._Element]] = {}  # shared by table detectors

    def mark(self, el: etree._Element) -> None:
        self.used.update(el.iter())

    def is_field_label(self, text: str) -> bool:
        return self.labels.fields.field(text) is not None

    def links(self, el: etree._Element) -> list[tuple[str, str]]:
        return links_of(el, self.base_url)

    def pair(self, label: str, value_el: etree._Element, detector: str, value: str | None = None,
             structural: bool = True, links: list[tuple[str, str]] | None = None) -> Pair:
        found = Pair(label, t(value_el) if value is None else value, None, value_el, structural,
                     self.links(value_el) if links is None else links, detector)
        self.pairs.append(found)
        return found
