"""The one record builder: mapped pairs, tables and sections → a GuideRecord, or the reason the
page is not a guide. A page is a guide by evidence, never by one required label: an item name
(from a 事项名称 label, else the ``<h1>``, the ``<title>`` minus the site's name, or the last
breadcrumb step) plus at least ``min_fields`` recognised fields in all, or a materials table
plus two. Where each field came from is kept in ``PageResult.sources``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from guideaudit.record import FormLink, GuideRecord, Material, Step

from .context import PageParts, Pair, Row
from .furniture import Furniture
from .labels import Labels

MIN_GUIDE_FIELDS = 5
_SAMPLE_WORDS = ("样表", "样例", "示例", "样本", "范本", "填写样")
_TITLE_SPLIT = re.compile(r"\s+[-_|—–－]\s+|[_|｜]|\s*[—–－]{1,2}\s*|\s-\s?")
_SITE_WORDS = re.compile(r"(?:政务服务网|政务网|网上办事大厅|网上服务大厅|服务平台|一体化平台|门户网站|人民政府|政务服务中心)$|^首页$")
_GUIDE_SUFFIX = re.compile(r"(?:办事指南|服务指南|指南详情|事项详情|详情)$")
_GENERIC_STEP = frozenset({"办事指南", "事项详情", "详情", "正文", "指南详情", "服务指南", "首页", "办事指南详情",
                           "服务指南详情", "事项详情页", "详细信息", "办事指南详细信息"})


@dataclass
class PageResult:
    record: GuideRecord | None
    reason: str = ""  # why the page is not a guide
    fields_found: list[str] = field(default_factory=list)
    form_urls: set[str] = field(default_factory=set)  # links the spider must not crawl as pages
    links: list[str] = field(default_factory=list)  # every <a href> of the page, absolute
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # field → evidence
    kind: str | None = None  # a block/challenge/error page (blockpage.classify_page), else None
    pairs: list[Pair] = field(default_factory=list)  # every candidate pair (for --explain)
    material_headers: list[list[str]] = field(default_factory=list)


def _form(links: list[tuple[str, str]]) -> FormLink | None:
    if not links:
        return None
    url, name = links[0]
    return FormLink(url=url, name=name)


_BLANK_WORDS = ("空白", "空表", "表格", "下载")


def _material(row: Row) -> Material:
    data: dict[str, Any] = {}
    for name in ("name", "source", "originals", "copies", "medium", "required"):
        if name in row.cells:
            data[name] = row.cells[name]
    if (row.links.get("name") and not {"blank_form", "sample_form", "forms"} & set(row.links)
            and data.get("name")):
        # No form column: the forms are linked in the name cell (浙江: "《…申请表》下载：[空白表格]
        # [示例表格]"); the download line is not part of the material's name.
        for url, text in row.links["name"]:
            kind = "sample_form" if any(w in text for w in _SAMPLE_WORDS) else (
                "blank_form" if any(w in text for w in _BLANK_WORDS) else None)
            if kind and data.get(kind) is None:
                data[kind] = FormLink(url=url, name=text)
        if data.get("blank_form") or data.get("sample_form"):
            data["name"] = re.split(r"下载\s*[：:]", data["name"], maxsplit=1)[0].strip()
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


def name_from_furniture(furniture: Furniture, labels: Labels) -> tuple[str | None, str]:
    """The item name a page shows without a 事项名称 label: (name, where)."""
    for text in furniture.h1:
        name = _GUIDE_SUFFIX.sub("", text).strip()
        if 2 <= len(name) <= 80 and not _SITE_WORDS.search(name) and not labels.section_word(name):
            return name, "h1"
    for part in _TITLE_SPLIT.split(furniture.title or ""):
        if part.strip() in _GENERIC_STEP:
            continue  # "办事指南详情" names the page type, not the item
        name = _GUIDE_SUFFIX.sub("", part.strip()).strip()
        if 2 <= len(name) <= 80 and not _SITE_WORDS.search(name):
            return name, "title"
    for step in reversed(furniture.breadcrumb):
        step = step.strip()
        if step and step not in _GENERIC_STEP:
            name = _GUIDE_SUFFIX.sub("", step).strip()
            if 2 <= len(name) <= 80:
                return name, "breadcrumb"
            break
    return None, ""


def build_record(
    parts: PageParts,
    *,
    url: str | None,
    portal: str | None,
    fetched_at: str | None,
    labels: Labels,
    furniture: Furniture | None = None,
    min_fields: int = MIN_GUIDE_FIELDS,
) -> PageResult:
    scope = _guide_scope(parts.pairs)
    values: dict[str, Any] = {}
    sources: dict[str, dict[str, Any]] = {}
    extra: dict[str, Any] = {}
    forms: set[str] = set()
    mapped_parents: Counter = Counter(p.element.getparent() for p in parts.pairs if p.field)
    per_field: Counter = Counter()
    for pair in parts.pairs:
        if (
            not pair.structural
            and scope is not None
            and not _inside(pair.element, scope)
            and mapped_parents[pair.element.getparent()] < 2
        ):
            continue  # a lone "标签：值" line outside the guide (an unmarked footer's 联系电话)
        if not pair.structural and not pair.field and mapped_parents[pair.element.getparent()] < 2:
            continue  # "注意：…" prose, not a field among fields
        for link_url, _ in pair.links:
            forms.add(link_url)
        if pair.field:
            per_field[pair.field] += 1
        if pair.field == "result_sample":
            if "result_sample" not in values:
                values["result_sample"] = _form(pair.links)
                sources["result_sample"] = _evidence(pair)
        elif pair.field:
            if pair.field not in values:
                values[pair.field] = pair.value
                sources[pair.field] = _evidence(pair)
        elif pair.label.rstrip("：: "):
            extra.setdefault(pair.label.rstrip("：: "), pair.value)
    # A section under a title that names a field (<h3>受理条件</h3><div>…</div>, a tab pane).
    for sec in parts.sections:
        fld, score, how = labels.fields.match(sec.title)
        if fld and fld not in values and fld != "result_sample":
            values[fld] = sec.text
            sources[fld] = {"label": sec.title, "detector": sec.detector, "score": score, "method": how}
    if not values.get("item_name") and furniture is not None:
        name, where = name_from_furniture(furniture, labels)
        if name:
            values["item_name"] = name
            sources["item_name"] = {"label": None, "detector": where, "score": None, "method": where}
    found = sorted(k for k, v in values.items() if v is not None)
    has_materials = any(parts.materials)

    def refuse(reason: str) -> PageResult:
        return PageResult(None, reason, found, forms, sources=sources, pairs=parts.pairs,
                          material_headers=parts.material_headers)

    if not values.get("item_name"):
        return refuse("页面中没有事项名称（无“事项名称”标签，<h1>、标题、面包屑中也没有）")
    if sum(1 for n in per_field.values() if n >= 3) >= 2:
        return refuse("页面像事项列表：同一标签重复出现多次")
    if len(found) < min_fields and not (has_materials and len(found) >= 3):
        return refuse(f"只识别出 {len(found)} 个指南字段（至少需要 {min_fields} 个，或申请材料表加 2 个）")
    if parts.materials:
        values["materials"] = [_material(r) for table in parts.materials for r in table]
        sources["materials"] = {"label": " | ".join(parts.material_headers[0]) if parts.material_headers else None,
                                "detector": "materials_table", "score": None, "method": "header_row"}
    if parts.steps:
        values["steps"] = [_step(r) for table in parts.steps for r in table]
        sources["steps"] = {"label": None, "detector": "materials_table", "score": None, "method": "header_row"}
    for m in values.get("materials", []):
        for link in (m.blank_form, m.sample_form):
            if link and link.url:
                forms.add(link.url)
    if values.get("result_sample") is not None and values["result_sample"].url:
        forms.add(values["result_sample"].url)
    record = GuideRecord(url=url, portal=portal, fetched_at=fetched_at, extra=extra, **values)
    return PageResult(record, "", found, forms, sources=sources, pairs=parts.pairs,
                      material_headers=parts.material_headers)


def _evidence(pair: Pair) -> dict[str, Any]:
    return {"label": pair.label, "detector": pair.detector, "score": pair.score, "method": pair.method}
