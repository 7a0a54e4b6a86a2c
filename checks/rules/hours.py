"""E1-4 办理时间."""

from __future__ import annotations

from guideaudit.checks.guide import Guide, blank
from guideaudit.checks.registry import Rule, checker, declare, find

_EXAMPLE = "如“星期一至星期五 上午9:00-12:00，下午13:30-17:00（法定节假日除外）”"

declare(
    Rule("hours.missing", "E1-4", "办理时间未公布", "error", "未公布办理时间。", "写明受理的日期和时段，" + _EXAMPLE + "。"),
    Rule("hours.vague", "E1-4", "办理时间表述笼统", "error",
         "办理时间“{text}”表述笼统，没有具体时段。", "写明具体的日期范围和时段，" + _EXAMPLE + "。"),
    Rule("hours.no-days", "E1-4", "办理时间缺少日期范围", "error",
         "办理时间“{text}”只有时段，没有说明星期几（日期范围）。", "补充日期范围，" + _EXAMPLE + "。"),
    Rule("hours.no-times", "E1-4", "办理时间缺少时段", "error",
         "办理时间“{text}”只有日期范围，没有具体时段。", "补充上午、下午的时段，" + _EXAMPLE + "。"),
    Rule("hours.bad-range", "E1-4", "办理时段有误", "error",
         "办理时间中的时段“{range}”起止时间有误（开始不早于结束，或与其他时段重叠）。",
         "时段应开始早于结束且互不重叠，" + _EXAMPLE + "。"),
)


@checker("E1-4")
def check(g: Guide):
    text = g.record.hours
    if blank(text):
        yield find("hours.missing", text)
        return
    hours = g.hours
    if not hours.ranges:
        if hours.has_days and not hours.vague:
            yield find("hours.no-times", text, text=text)
        else:
            yield find("hours.vague", text, text=text)
        return
    if not hours.has_days:
        yield find("hours.no-days", text, text=text)
    for index, bad in enumerate(hours.bad_ranges, start=1):
        yield find("hours.bad-range", text, f"range:{index}:{bad}", range=bad)
