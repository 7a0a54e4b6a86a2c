"""E1-1 法定办结时限."""

from __future__ import annotations

from guideaudit.checks.guide import Guide
from guideaudit.checks.registry import Rule, checker, declare, find

declare(
    Rule("statutory-limit.missing", "E1-1", "法定办结时限未公布", "error",
         "未公布法定办结时限。", "填写法定办结时限，如“20个工作日”；法律法规未规定时限的非行政许可事项填“无”。"),
    Rule("statutory-limit.no-unit", "E1-1", "法定办结时限未注明单位", "error",
         "法定办结时限“{text}”未注明是工作日还是自然日。",
         "写明单位，如“{value}个工作日”或“{value}个自然日”。",
         reads=('statutory_limit', 'statutory_limit.unit')),
    Rule("statutory-limit.none-for-licence", "E1-1", "行政许可事项未公布法定时限", "error",
         "行政许可事项的法定办结时限写为“{text}”，但《行政许可法》对行政许可均规定了办理期限。",
         "按设定依据填写法定时限；无特别规定的为“20个工作日”（《行政许可法》第四十二条）。",
         applies_to="行政许可事项（设置 licence_item_types）", applies=lambda g: g.is_licence),
    Rule("statutory-limit.unparsable", "E1-1", "法定办结时限无法识别", "error",
         "法定办结时限“{text}”没有说明具体时限。", "写成“数字 + 工作日/自然日”，如“20个工作日”。"),
)


@checker("E1-1")
def check(g: Guide):
    text = g.record.statutory_limit
    limit = g.statutory
    if limit.kind in ("missing", "empty"):
        yield find("statutory-limit.missing", text)
    elif limit.kind == "none":
        yield find("statutory-limit.none-for-licence", text, text=text)
    elif limit.kind == "unparsable":
        yield find("statutory-limit.unparsable", text, text=text)
    elif limit.kind == "value" and not _unit_ok(g, limit.unit):
        yield find("statutory-limit.no-unit", text, text=text, value=_fmt(limit.value))


def _unit_ok(g: Guide, unit: str | None) -> bool:
    if unit in (None, "bare"):
        return False
    if unit in ("month", "year"):
        return g.settings.accept_month_units
    return True


def _fmt(value: float | None) -> str:
    if value is None:
        return "N"
    return str(int(value)) if float(value).is_integer() else str(value)
