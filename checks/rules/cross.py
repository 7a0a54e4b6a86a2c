"""Cross-field rules X-1 … X-7."""

from __future__ import annotations

from guideaudit.checks.guide import Guide, blank, says_none
from guideaudit.checks.registry import Rule, checker, declare, find

declare(
    Rule("cross.immediate-case-type", "X-1", "即办与办件类型不一致", "error",
         "承诺办结时限“{promised}”与办件类型“{case_type}”不一致。",
         "承诺“即办”的事项办件类型应为“即办件”；有承诺天数的应为“承诺件”。",
         applies_to="办件类型和承诺时限都已公布的事项",
         # a bare "1" whose unit the source lost may have read 即办 or 1个工作日 on the page
         reads=("case_type", "promised_limit", "promised_limit.unit")),
    Rule("cross.depth4-visits", "X-2", "全程网办却需到现场", "error",
         "网办深度为四级（全程网办），但到办事现场次数为 {visits}。",
         "全程网办事项到现场次数应为 0；需要到现场的应如实标注网办深度。"),
    Rule("cross.zero-visit-no-express", "X-3", "零跑动但无网办也无快递", "warning",
         "到现场 0 次，但不能网上办理，也没有提供物流快递。",
         "提供物流快递（证照寄送），或开通网上办理。",
         applies_to="到现场 0 次且明确不能网办的事项"),
    Rule("cross.free-with-payment", "X-4", "不收费却提供网上支付", "error",
         "事项不收费，但标注提供网上支付（“{payment}”）。", "不收费事项的网上支付应为“否”。"),
    Rule("cross.fee-no-basis", "X-5", "收费但无收费依据", "error",
         "事项收费，但没有公布收费依据。", "写明收费依据和标准，如“《…收费标准》（粤价〔…〕…号）”。"),
    Rule("cross.complaint-phone-missing", "X-6", "监督投诉方式无电话", "error",
         "监督投诉方式（“{text}”）中没有有效的投诉电话。", "公布带区号的监督投诉电话，如“020-12345”或部门投诉电话。"),
    Rule("cross.result-no-sample", "X-7", "审批结果无样本", "warning",
         "审批结果“{result}”没有提供结果样本。", "提供审批结果（证照、批文）的样本文件。"),
)


@checker("X-1")
def immediate_case_type(g: Guide):
    if g.case_immediate is None or g.promised.kind not in ("value", "immediate"):
        return
    if (g.promised.kind == "immediate") != g.case_immediate:
        yield find("cross.immediate-case-type", f"承诺办结时限：{g.record.promised_limit}；办件类型：{g.record.case_type}",
                   promised=g.record.promised_limit, case_type=g.record.case_type)


@checker("X-2")
def depth4_visits(g: Guide):
    if g.depth == 4 and g.visits is not None and g.visits > 0:
        yield find("cross.depth4-visits", f"网办深度：{g.record.online_depth}；到办事现场次数：{g.record.onsite_visits}", visits=g.visits)


@checker("X-3")
def zero_visit_no_express(g: Guide):
    not_online = g.online is False or (g.depth is not None and g.depth <= 1 and g.online is not True)
    if g.visits == 0 and not_online and g.express is not True:
        yield find("cross.zero-visit-no-express",
                   f"到办事现场次数：{g.record.onsite_visits}；是否网办：{g.record.online or '未公布'}；物流快递：{g.record.express or '未公布'}")


@checker("X-4")
def free_with_payment(g: Guide):
    if g.fee is False and g.online_payment is True:
        yield find("cross.free-with-payment", f"是否收费：{g.record.fee}；网上支付：{g.record.online_payment}", payment=g.record.online_payment)


@checker("X-5")
def fee_no_basis(g: Guide):
    if g.fee is True and (blank(g.record.fee_basis) or says_none(g.record.fee_basis)):
        yield find("cross.fee-no-basis", g.record.fee_basis)


@checker("X-6")
def complaint_phone(g: Guide):
    if not any(p.valid for p in g.complaint_phones):
        yield find("cross.complaint-phone-missing", g.record.complaint, text=g.record.complaint or "未公布")


@checker("X-7")
def result_sample(g: Guide):
    name = g.record.result_name
    if blank(name) or says_none(name):
        return
    sample = g.record.result_sample
    if sample is None or not (sample.url or "").strip():
        yield find("cross.result-no-sample", None, result=name)
