"""E4-1 空表下载服务, E4-2 样表下载服务, for every material that is a form."""

from __future__ import annotations

from guideaudit.checks.guide import Guide, locus
from guideaudit.checks.registry import Rule, checker, declare, find
from guideaudit.checks.settings import CheckSettings

from guideaudit.record import FormLink

declare(
    Rule("blank-form.missing", "E4-1", "表格未提供空表下载", "error",
         "表格“{name}”没有提供空白表格下载。", "为该表格提供可下载的空白表格（doc/docx/xls/pdf 等）。",
         applies_to="申请材料中的表格（名称以表、申请书、登记表、单…结尾）"),
    Rule("blank-form.broken", "E4-1", "空表下载链接失效", "error",
         "表格“{name}”的空表链接不能下载到文件（{reason}）。", "修复链接，使其下载到真实的表格文件（doc/docx/xls/pdf 等）。"),
    Rule("sample-form.missing", "E4-2", "表格未提供样表下载", "error",
         "表格“{name}”没有提供填写示范（样表）下载。", "提供已填写示范内容的样表文件。",
         applies_to="申请材料中的表格（名称以表、申请书、登记表、单…结尾）"),
    Rule("sample-form.broken", "E4-2", "样表下载链接失效", "error",
         "表格“{name}”的样表链接不能下载到文件（{reason}）。", "修复链接，使其下载到真实的样表文件。"),
    Rule("sample-form.same-as-blank", "E4-2", "样表与空表相同", "error",
         "表格“{name}”的样表与空表是同一个文件，没有示范填写内容。", "提供填写了示范内容的样表。"),
)


def link_problem(link: FormLink | None, settings: CheckSettings) -> str | None:
    """None when the link is fine (or could not be judged); else why it is broken, in Chinese.
    A link never fetched is judged on its presence; a fetch failure of the sweep is never a
    defect of the guide."""
    if link is None or not (link.url or "").strip():
        return "absent"
    if link.error:
        if link.error in settings.fetch_errors_not_broken:
            return None
        return f"下载失败：{link.error}"
    if link.status is None:
        return None
    if 400 <= link.status < 500:
        return f"HTTP {link.status}"
    if link.status >= 500:
        return None  # server failure at sweep time, not judged
    kind = (link.kind or "").lower()
    if kind == "html":
        return "返回的是网页而不是文件"
    if kind == "empty" or link.bytes == 0:
        return "文件为空"
    if kind and kind not in settings.accepted_kinds:
        return f"文件类型无法识别（{kind}）"
    return None


def _evidence(link: FormLink | None) -> str | None:
    if link is None or not link.url:
        return None
    bits = [link.url]
    if link.status is not None:
        bits.append(f"HTTP {link.status}")
    if link.kind:
        bits.append(link.kind)
    if link.error:
        bits.append(link.error)
    return " ".join(bits)


def _link_finding(g: Guide, index: int, m, link, rule_prefix: str):
    """The missing/broken findings of one form link (空表 or 样表); None when the link is fine."""
    where, name = locus("material", index, m.name), m.name or f"第{index}项"
    problem = link_problem(link, g.settings)
    if problem == "absent":
        return find(f"{rule_prefix}.missing", None, where, name=name)
    if problem:
        return find(f"{rule_prefix}.broken", _evidence(link), where, name=name, reason=problem)
    return None


@checker("E4-1")
def check_blank(g: Guide):
    for index, m in g.forms:
        finding = _link_finding(g, index, m, m.blank_form, "blank-form")
        if finding:
            yield finding


@checker("E4-2")
def check_sample(g: Guide):
    for index, m in g.forms:
        finding = _link_finding(g, index, m, m.sample_form, "sample-form")
        if finding:
            yield finding
        elif (
            m.blank_form is not None
            and m.sample_form is not None
            and m.sample_form.sha256
            and m.sample_form.sha256 == m.blank_form.sha256
        ):
            where, name = locus("material", index, m.name), m.name or f"第{index}项"
            yield find("sample-form.same-as-blank", _evidence(m.sample_form), where, name=name)
