"""E3-2 到办事现场次数."""

from __future__ import annotations

from guideaudit.checks.guide import Guide, blank, says_none
from guideaudit.checks.registry import Rule, checker, declare, find

declare(
    Rule("visits.missing", "E3-2", "到办事现场次数未公布", "error",
         "未公布到办事现场次数。", "写明申请人需要到现场的次数，如“0次”或“1次”。"),
    Rule("visits.invalid", "E3-2", "到办事现场次数不是整数", "error",
         "到办事现场次数“{text}”不是一个确定的整数。", "写成确定的整数，如“0次”“1次”。"),
    Rule("visits.no-reason", "E3-2", "未说明必须到现场的原因", "error",
         "需到现场 {visits} 次，但没有说明必须现场办理的原因。",
         "在“必须现场办理原因说明”中写明依据，如“需现场核验身份原件（《…条例》第…条）”。",
         applies_to="到现场次数大于 0 的事项",
         reads=('onsite_visits', 'onsite_reason')),
)


@checker("E3-2")
def check(g: Guide):
    text = g.record.onsite_visits
    if blank(text):
        yield find("visits.missing", text)
        return
    if g.visits is None:
        yield find("visits.invalid", text, text=text)
        return
    reason = g.record.onsite_reason
    if g.visits > 0 and (blank(reason) or says_none(reason)):
        yield find("visits.no-reason", reason, visits=g.visits)
