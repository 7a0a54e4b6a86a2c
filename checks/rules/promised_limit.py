"""E1-2 承诺办结时限."""

from __future__ import annotations

from guideaudit.checks.guide import Guide
from guideaudit.checks.registry import Rule, checker, declare, find
from guideaudit.checks.rules.statutory_limit import _fmt, _unit_ok

_UNIT_NAMES = {"workday": "工作日", "calendar": "自然日", "month": "个月", "year": "年", "hour": "小时"}

declare(
    Rule("promised-limit.missing", "E1-2", "承诺办结时限未公布", "error",
         "未公布承诺办结时限（“{text}”）。", "填写承诺办结时限，如“5个工作日”；当场办结的填“即办”。"),
    Rule("promised-limit.no-unit", "E1-2", "承诺办结时限未注明单位", "error",
         "承诺办结时限“{text}”未注明是工作日还是自然日。",
         "写明单位，如“{value}个工作日”。",
         reads=('promised_limit', 'promised_limit.unit')),
    Rule("promised-limit.exceeds-statutory", "E1-2", "承诺时限长于法定时限", "error",
         "承诺办结时限“{text}”（约 {promised} 个工作日）长于法定办结时限“{statutory_text}”（约 {statutory} 个工作日）。",
         "承诺时限应不超过法定时限，如法定“{statutory_text}”时承诺不超过该期限。",
         applies_to="法定与承诺时限都可换算为工作日的事项",
         reads=('promised_limit', 'statutory_limit')),
    Rule("promised-limit.unparsable", "E1-2", "承诺办结时限无法识别", "error",
         "承诺办结时限“{text}”没有说明具体时限。", "写成“数字 + 工作日/自然日”或“即办”。"),
)


@checker("E1-2")
def check(g: Guide):
    text = g.record.promised_limit
    limit = g.promised
    if limit.kind in ("missing", "empty", "none"):
        yield find("promised-limit.missing", text, text=text or "")
        return
    if limit.kind == "unparsable":
        yield find("promised-limit.unparsable", text, text=text)
        return
    if limit.kind == "value" and not _unit_ok(g, limit.unit):
        yield find("promised-limit.no-unit", text, text=text, value=_fmt(limit.value))
    statutory = g.statutory
    if statutory.kind != "value":
        return
    if limit.kind == "value" and limit.unit == statutory.unit:
        exceeds = (limit.value or 0) > (statutory.value or 0)
    else:
        p, s = g.workdays(limit), g.workdays(statutory)
        # Different units go through the 5/7 approximation: allow one working day of rounding.
        exceeds = p is not None and s is not None and p > s + 1
    if exceeds:
        yield find(
            "promised-limit.exceeds-statutory", text, text=text,
            statutory_text=g.record.statutory_limit,
            promised=_fmt(round(g.workdays(limit) or 0, 1)),
            statutory=_fmt(round(g.workdays(statutory) or 0, 1)),
        )
