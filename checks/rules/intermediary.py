"""E1-6 中介服务 / 特殊环节."""

from __future__ import annotations

import re

from guideaudit.checks.guide import Guide, blank, says_none
from guideaudit.checks.parse.common import norm
from guideaudit.checks.registry import Rule, checker, declare, find

declare(
    Rule("intermediary.missing", "E1-6", "中介服务未说明", "error",
         "未说明是否涉及中介服务。", "明确填写：不涉及的填“无”，涉及的写明中介服务名称、内容和时限。",
         reads=('intermediary',)),
    Rule("special-steps.missing", "E1-6", "特殊环节未说明", "error",
         "未说明是否有特殊环节（评审、评估、现场勘查、公示等）。",
         "明确填写：没有的填“无”，有的写明环节名称、内容和时限，如“专家评审，10个工作日，不计入办理时限”。",
         reads=('special_steps',)),
    Rule("special-steps.incomplete", "E1-6", "特殊环节缺少时限", "error",
         "特殊环节“{text}”没有写明时限。", "为每个特殊环节写明时限，如“现场勘查，5个工作日”。",
         reads=('special_steps',)),
)

_HAS_LIMIT = re.compile(r"[\d一二三四五六七八九十两]+\s*(?:个)?\s*[(（]?\s*(?:工作日|自然日|日|天|个月|月|小时)")


@checker("E1-6")
def check(g: Guide):
    if blank(g.record.intermediary):
        yield find("intermediary.missing", g.record.intermediary)
    text = g.record.special_steps
    if blank(text):
        yield find("special-steps.missing", text)
    elif not says_none(text) and not _HAS_LIMIT.search(norm(text)):
        yield find("special-steps.incomplete", text, text=text)
