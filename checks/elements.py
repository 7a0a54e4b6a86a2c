"""Element codes: the 13 E-elements of 办事指南准确度 (after the national survey's E1–E4) plus
the code (C-*) and cross-field (X-*) checks, which are reported but carry no pass/fail."""

from __future__ import annotations

ELEMENTS: dict[str, str] = {
    "E1-1": "法定办结时限",
    "E1-2": "承诺办结时限",
    "E1-3": "办理地点",
    "E1-4": "办理时间",
    "E1-5": "咨询方式",
    "E1-6": "中介服务/特殊环节",
    "E2-1": "材料来源",
    "E2-2": "数量要求",
    "E2-3": "介质要求",
    "E3-1": "办理流程",
    "E3-2": "到办事现场次数",
    "E4-1": "空表下载服务",
    "E4-2": "样表下载服务",
}

EXTRA_CODES: dict[str, str] = {
    "C-1": "实施编码结构",
    "C-2": "统一社会信用代码校验位",
    "C-3": "基本编码一致",
    "X-1": "即办与办件类型一致",
    "X-2": "全程网办与到现场次数",
    "X-3": "零跑动须提供快递",
    "X-4": "不收费与网上支付",
    "X-5": "收费须有依据",
    "X-6": "监督投诉电话",
    "X-7": "审批结果样本",
}

ALL_CODES: dict[str, str] = {**ELEMENTS, **EXTRA_CODES}

# The record fields each element is judged on. An element whose facts are (partly) not
# captured by its source cannot pass: without a fail it is 待核实. Rules read these unless they
# declare their own ``reads``.
ELEMENT_FIELDS: dict[str, tuple[str, ...]] = {
    "E1-1": ("statutory_limit",),
    "E1-2": ("promised_limit",),
    "E1-3": ("location",),
    "E1-4": ("hours",),
    "E1-5": ("consult",),
    "E1-6": ("intermediary", "special_steps"),
    "E2-1": ("materials.source",),
    "E2-2": ("materials.originals", "materials.copies"),
    "E2-3": ("materials.medium",),
    "E3-1": ("steps",),
    "E3-2": ("onsite_visits",),
    "E4-1": ("materials.blank_form",),
    "E4-2": ("materials.sample_form",),
    "C-1": ("implementation_code",),
    "C-2": ("implementation_code",),  # findings rest on a code present, never on an absent one
    "C-3": ("basic_code", "implementation_code"),
    "X-1": ("case_type", "promised_limit"),
    "X-2": ("online_depth", "onsite_visits"),
    "X-3": ("onsite_visits", "online", "online_depth", "express"),
    "X-4": ("fee", "online_payment"),
    "X-5": ("fee", "fee_basis"),
    "X-6": ("complaint",),
    "X-7": ("result_name", "result_sample"),
}
