"""E4-1 空表下载服务, E4-2 样表下载服务, for every material that is a form."""

from __future__ import annotations

from guideaudit.checks.guide import Guide, locus
from guideaudit.checks.registry import Rule, checker, declare, find, unsure
from guideaudit.checks.settings import CheckSettings

from guideaudit.record import FormLink
from guideaudit.vocab import OUTCOMES, outcome

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


def link_state(link: FormLink | None, settings: CheckSettings) -> tuple[str, str | None]:
    """How a form link stands: ("absent", None), ("ok", None), ("broken", why) when anyone
    following it gets no form, or ("unsure", why) when this sweep could not verify it (robots,
    timeout, 5xx, too large, never fetched…): never a defect of the guide."""
    if link is None or not (link.url or "").strip():
        return "absent", None
    if link.error:
        result = outcome(link.error)
        return ("broken" if result.guide_fault else "unsure"), result.label
    if link.status is None:
        return "unsure", OUTCOMES["not_fetched"].label
    if link.status in (401, 403):
        return "unsure", f"{OUTCOMES['access_denied'].label}"
    if 400 <= link.status < 500:
        return "broken", f"HTTP {link.status}"
    if link.status >= 500:
        return "unsure", OUTCOMES["unavailable"].label
    kind = (link.kind or "").lower()
    if kind == "html":
        return "broken", OUTCOMES["html"].label
    if kind == "empty" or link.bytes == 0:
        return "broken", OUTCOMES["empty"].label
    if kind and kind not in settings.accepted_kinds:
        return "broken", f"{OUTCOMES['unknown_kind'].label}（{kind}）"
    return "ok", None


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
    state, why = link_state(link, g.settings)
    if state == "absent":
        return find(f"{rule_prefix}.missing", None, where, name=name)
    if state == "broken":
        return find(f"{rule_prefix}.broken", _evidence(link), where, name=name, reason=why)
    if state == "unsure":
        return unsure(f"{rule_prefix}.broken", f"“{name}”的链接未能核验：{why}", _evidence(link), where,
                      name=name, reason=why)
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
