"""Page furniture: everything around the guide that is never a guide field.

Removed before any detector runs: ``<header>``/``<nav>``/``<footer>``/``<aside>``, scripts, and
elements whose class/id token names furniture (footer, header, nav, menu, breadcrumb,
copyright, sidebar…); then unmarked footers, found by their words (主办单位, 版权所有, ICP备,
技术支持… two of them in one small block), so the footer's 联系电话 is never the 咨询方式.
The page's title, first ``<h1>`` and breadcrumb trail are kept aside: the item name may come
from them when no 事项名称 label is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from .text import SKIP_TAGS, element_text

CHROME_TAGS = frozenset({"header", "nav", "footer", "aside"})
_CHROME_TOKEN = re.compile(
    r"^(?:footer|foot|ft|header|hd|nav|navbar|menu|breadcrumb|crumbs?|copyright|sidebar|"
    r"topbar|top-bar|site-header|site-footer|page-header|page-footer|bottom|links?)$"
    r"|(?:^|[-_])(?:footer|copyright|navbar|breadcrumb|bottom)(?:[-_]|$)",
    re.I,
)
_CRUMB_TOKEN = re.compile(r"crumb|breadcrumb|location|position|weizhi|dqwz|curpos", re.I)
_NEVER_CHROME = frozenset({"td", "th", "tr", "table", "tbody", "thead", "dt", "dd", "span", "strong", "label"})
_FOOTER_WORDS = ("主办单位", "承办单位", "版权所有", "ICP备", "ICP证", "备案号", "技术支持", "网站标识码",
                 "公网安备", "网站地图", "建议使用", "分辨率", "Copyright", "copyright", "©")


@lru_cache(maxsize=256)
def _footer_xpath(words: tuple[str, ...]) -> etree.XPath:
    # Only the words the page holds: a text node holds a word only if the page text does, so
    # the nodes found are the same, for a fraction of the contains() tests.
    return etree.XPath("//text()[" + " or ".join(f"contains(., '{w}')" for w in words) + "]")

_CRUMB_TEXT = re.compile(r"^\s*(?:当前位置|您的位置|你的位置|您当前的位置|所在位置)\s*[：:]?")
_CRUMB_SPLIT = re.compile(r"\s*(?:>|＞|»|›|→|/|＞＞|>>)\s*")
_BLOCKS = frozenset({"div", "p", "table", "ul", "section", "center", "dl", "tr", "li"})


@dataclass
class Furniture:
    title: str = ""
    h1: list[str] = field(default_factory=list)
    breadcrumb: list[str] = field(default_factory=list)


@lru_cache(maxsize=8192)
def _chrome_names(class_and_id: str) -> bool:
    # Pages repeat the same few class/id strings: the token regex runs once per string.
    return any(_CHROME_TOKEN.search(tok) for tok in class_and_id.split())


def is_chrome(el: etree._Element) -> bool:
    if el.tag in CHROME_TAGS:
        return True
    if el.tag in _NEVER_CHROME:
        return False
    cls, eid = el.get("class"), el.get("id")
    if not cls and not eid:
        return False
    return _chrome_names((cls or "") + " " + (eid or ""))


def _crumb(el: etree._Element) -> list[str]:
    text = element_text(el).replace("\n", " ")
    text = _CRUMB_TEXT.sub("", text)
    return [p for p in _CRUMB_SPLIT.split(text) if p.strip()][:8]


def remove(root: etree._Element) -> Furniture:
    """Drop furniture in place (the tree is ours, freshly parsed); return what is kept aside."""
    found = Furniture()
    title = root.find(".//title")
    if title is not None:
        found.title = element_text_raw(title)
    doomed = []
    for el in root.iter(etree.Element):  # elements only: no comments or processing instructions
        if el.tag in SKIP_TAGS or is_chrome(el):
            doomed.append(el)
            cls = (el.get("class") or "") + " " + (el.get("id") or "")
            if not found.breadcrumb and cls.strip() and _CRUMB_TOKEN.search(cls):
                found.breadcrumb = _crumb(el)
    for el in doomed:
        _drop(el)
    _drop_unmarked_footers(root, found)
    found.h1 = [t for t in (element_text(h) for h in root.iter("h1")) if t][:3]
    return found


def element_text_raw(el: etree._Element) -> str:
    return " ".join((el.text or "").split())


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    # Keep the tail text: it belongs to the parent, not to the removed element.
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _drop_unmarked_footers(root: etree._Element, found: Furniture) -> None:
    # One pass of C-level text iteration decides whether the XPath walk is needed at all.
    joined = etree.tostring(root, method="text", encoding=str)
    present = tuple(w for w in _FOOTER_WORDS if w in joined)
    hits = _footer_xpath(present)(root) if present else []
    blocks: dict[etree._Element, None] = {}
    for node in hits:
        el = node.getparent()
        while el is not None and el.tag not in _BLOCKS:
            el = el.getparent()
        # Climb while the block stays small: the footer, not the page that holds it.
        while el is not None:
            parent = el.getparent()
            if parent is None or parent.tag in ("body", "html") or len(element_text(parent)) > 400:
                break
            el = parent
        if el is not None and el.tag not in ("body", "html"):
            blocks.setdefault(el, None)
    for el in blocks:
        text = element_text(el)
        if len(text) <= 400 and sum(1 for w in _FOOTER_WORDS if w in text) >= 2:
            _drop(el)
    if not found.breadcrumb and ("当前" in joined or "位置" in joined):
        # An unmarked "当前位置：首页 > … > 事项" line.
        for el in root.iter("div", "p", "span", "td"):
            lead = (el.text or "").lstrip()
            if lead[:2] in ("当前", "您的", "你的", "所在") and _CRUMB_TEXT.match(lead):
                if len(element_text(el)) < 200:  # the trail itself, not a wrapper starting with it
                    found.breadcrumb = _crumb(el)
                    _drop(el)
                break
