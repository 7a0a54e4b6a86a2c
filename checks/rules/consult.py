"""E1-5 咨询方式."""

from __future__ import annotations

from guideaudit.checks.guide import Guide, blank, says_none
from guideaudit.checks.registry import Rule, checker, declare, find

declare(
    Rule("consult.missing", "E1-5", "咨询方式未公布", "error",
         "未公布咨询电话。", "公布受理部门的咨询电话，带区号，如“020-83133642”。"),
    Rule("consult.invalid-phone", "E1-5", "咨询电话无效", "error",
         "咨询方式“{text}”中没有有效的电话号码（{reason}）。",
         "写出带区号的完整号码，如“020-83133642”（广州、深圳、上海固话为 8 位）或 11 位手机号。"),
    Rule("consult.hotline-only", "E1-5", "咨询电话仅有 12345 热线", "warning",
         "咨询方式只有政务服务便民热线“{text}”，没有受理部门自己的电话。",
         "同时公布受理部门的咨询电话，如“020-83133642”。",
         applies_to="所有事项（设置 hotline_only_error 可改为错误）"),
)


@checker("E1-5")
def check(g: Guide):
    text = g.record.consult
    if blank(text) or says_none(text):
        yield find("consult.missing", text)
        return
    phones = g.consult_phones
    valid = [p for p in phones if p.valid]
    if not valid:
        reason = phones[0].reason if phones else "未找到号码"
        yield find("consult.invalid-phone", text, text=text, reason=reason)
        return
    hotlines = g.settings.hotline_numbers
    if all(p.kind == "short" and p.number in hotlines for p in valid):
        yield find("consult.hotline-only", text, text=text)
