"""E3-1 办理流程."""

from __future__ import annotations

from guideaudit.checks.guide import Guide, blank, locus
from guideaudit.checks.parse.common import norm
from guideaudit.checks.parse.timelimit import parse_limit
from guideaudit.checks.registry import Rule, checker, declare, find
from guideaudit.checks.rules.statutory_limit import _fmt

declare(
    Rule("steps.missing", "E3-1", "未公布办理流程", "error",
         "办事指南没有办理流程。", "列出受理、审查、决定、办结（送达）各环节，写明每环节时限和承办岗位。",
         reads=('steps',)),
    Rule("steps.stages-incomplete", "E3-1", "办理流程环节不全", "error",
         "办理流程缺少环节：{missing}。", "办理流程应包括 {stages}，每环节写明时限和承办岗位。",
         reads=('steps.name',)),
    Rule("steps.no-limit", "E3-1", "流程环节缺少时限", "error",
         "流程环节“{name}”没有写明办理时限。", "写明该环节时限，如“1个工作日”或“即办”。",
         reads=('steps.limit',)),
    Rule("steps.no-handler", "E3-1", "流程环节缺少承办岗位", "error",
         "流程环节“{name}”没有写明承办岗位或人员。", "写明承办岗位，如“窗口受理人员”“科室负责人”。",
         reads=('steps.handler',)),
    Rule("steps.exceed-promised", "E3-1", "流程时限之和超过承诺时限", "error",
         "各流程环节时限合计约 {total} 个工作日，超过承诺办结时限“{promised}”。",
         "调整各环节时限，使合计不超过承诺办结时限。",
         applies_to="承诺时限和各环节时限都可换算为工作日的事项",
         reads=('steps.limit', 'promised_limit')),
)


@checker("E3-1")
def check(g: Guide):
    steps = g.record.steps
    if not steps:
        yield find("steps.missing", None)
        return
    s = g.settings
    names = " ".join(norm(step.name) for step in steps)
    required = s.immediate_stages if g.immediate else tuple(s.stage_words)
    missing = [stage for stage in required if not any(w in names for w in s.stage_words.get(stage, (stage,)))]
    if missing:
        evidence = "、".join(norm(step.name) or "（未命名）" for step in steps)
        yield find("steps.stages-incomplete", evidence, missing="、".join(missing), stages="、".join(required))
    total, complete = 0.0, True
    for index, step in enumerate(steps, start=1):
        where = locus("step", index, step.name)
        name = step.name or f"第{index}步"
        if blank(step.limit):
            yield find("steps.no-limit", step.limit, where, name=name)
            complete = False
        else:
            days = g.workdays(parse_limit(step.limit, s.statutory_none_words, s.immediate_words))
            if days is None:
                complete = False
            else:
                total += days
        if blank(step.handler):
            yield find("steps.no-handler", step.handler, where, name=name)
    promised = g.workdays(g.promised) if g.promised.kind in ("value", "immediate") else None
    if complete and promised is not None and total > promised + 1e-9:
        evidence = "；".join(f"{norm(st.name)}：{norm(st.limit)}" for st in steps)
        yield find("steps.exceed-promised", evidence, total=_fmt(round(total, 1)), promised=g.record.promised_limit)
