"""The rule catalogue for auditors, in Chinese, generated from the rule declarations: what fails,
what a right value looks like, and the basis where the rule names one. One source for
docs/rule-catalogue.md (a test keeps it current) and the report's 规则说明."""

from __future__ import annotations

import re

from guideaudit.checks import rules as _rules  # noqa: F401 - registers every rule
from guideaudit.checks.elements import ALL_CODES
from guideaudit.checks.registry import RULES

from guideaudit.vocab import severity_label

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_BASIS = re.compile(r"《[^》]{2,40}》(?:第[^条，。；）)]{1,10}条)?")


def _plain(template: str) -> str:
    """A message template as a sentence: placeholders become "…"."""
    return _PLACEHOLDER.sub("…", template)


def basis(rule_id: str) -> str:
    rule = RULES.get(rule_id)
    if rule is None:
        return ""
    if rule.basis:
        return rule.basis
    found = list(dict.fromkeys(_BASIS.findall(rule.message + rule.suggestion + rule.applies_to)))
    # "《行政许可法》" and "《行政许可法》第四十二条": keep the more precise
    return "；".join(f for f in found if not any(o != f and o.startswith(f) for o in found))


def catalogue() -> list[dict[str, str]]:
    """One row per rule, in element order."""
    order = list(ALL_CODES)
    rows = []
    for rule in sorted(RULES.values(), key=lambda r: (order.index(r.element), r.id)):
        rows.append({
            "id": rule.id,
            "element": f"{rule.element} {ALL_CODES[rule.element]}",
            "name": rule.name,
            "severity": severity_label(rule.severity),
            "applies_to": rule.applies_to,
            "fails": _plain(rule.message),
            "right": _plain(rule.suggestion),
            "basis": basis(rule.id),
        })
    return rows


def markdown() -> str:
    lines = [
        "# 检查规则说明（由规则声明生成，请勿手工修改：`python -m guideaudit.checks.catalogue > docs/rule-catalogue.md`）",
        "",
        "「错误」使该要素不合格；「提示」只提醒，不影响合格。数据来源未采集或附件无法核验的，结论为「待核实」，不计为问题。",
        "",
        "| 规则 | 要素 | 名称 | 类别 | 适用 | 何时不合格 | 正确写法 | 依据 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in catalogue():
        cells = [f"`{r['id']}`", r["element"], r["name"], r["severity"], r["applies_to"], r["fails"], r["right"], r["basis"]]
        lines.append("| " + " | ".join(c.replace("|", "｜").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
