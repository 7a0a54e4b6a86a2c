"""C-1 实施编码结构, C-2 统一社会信用代码校验位, C-3 基本编码一致."""

from __future__ import annotations

import re

from guideaudit.checks.guide import Guide
from guideaudit.checks.parse.common import norm
from guideaudit.checks.registry import Rule, checker, declare, find

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_NATIONAL = re.compile(r"^([0-9A-HJ-NPQRTUWXY]{18})([1-7])(\d{2}\d{2}\d{5}\d{3})$")
# Local codes (四川 511A0138000000-511602000000-000-…) are classified, not failed.
_LOCAL = re.compile(r"^[0-9A-Z]{6,}(?:-[0-9A-Z]+){2,}$")

declare(
    Rule("code.implementation-malformed", "C-1", "实施编码结构错误", "error",
         "实施编码“{text}”不符合国家结构（{problem}）。",
         "实施编码为 31 位：统一社会信用代码 18 位 + 行使层级 1 位 + 基本编码 12 位，如“11650000010183859F2650116013001”。"),
    Rule("code.credit-code-check", "C-2", "统一社会信用代码校验位错误", "error",
         "{where}中的统一社会信用代码“{code}”校验位错误（应为 {expected}）。",
         "核对实施主体的统一社会信用代码（GB 32100），如“91350100M000100Y43”。"),
    Rule("code.basic-code-mismatch", "C-3", "基本编码与实施编码不一致", "error",
         "基本编码“{basic}”与实施编码中的基本编码“{embedded}”不一致。",
         "基本编码应等于实施编码的第 20–31 位。"),
)


def credit_check_char(code17: str) -> str | None:
    """The GB 32100 check character for the first 17 characters, or None if not computable."""
    if len(code17) != 17 or any(c not in _ALPHABET for c in code17):
        return None
    total = sum(_ALPHABET.index(c) * w for c, w in zip(code17, _WEIGHTS, strict=True))
    return _ALPHABET[(31 - total % 31) % 31]


def classify_code(code: str) -> str:
    """national, local, or malformed."""
    if _NATIONAL.match(code):
        return "national"
    if _LOCAL.match(code):
        return "local"
    return "malformed"


def _problem(code: str) -> str:
    if len(code) != 31:
        return f"长度为 {len(code)} 位，应为 31 位"
    if not _CREDIT.match(code[:18]):
        return "前 18 位不是统一社会信用代码"
    if code[18] not in "1234567":
        return f"第 19 位行使层级“{code[18]}”应为 1–7"
    return "后 12 位基本编码应为数字"


@checker("C-1")
def check_codes(g: Guide):
    raw = g.record.implementation_code
    code = norm(raw).upper().replace(" ", "")
    kind = classify_code(code) if code else None
    if kind == "malformed":
        yield find("code.implementation-malformed", raw, text=raw, problem=_problem(code))
    checked: set[str] = set()
    if kind == "national":
        credit = code[:18]
        expected = credit_check_char(credit[:17])
        if expected is not None and expected != credit[17]:
            checked.add(credit)
            yield find("code.credit-code-check", raw, "implementation_code", where="实施编码", code=credit, expected=expected)
        basic = norm(g.record.basic_code).upper().replace(" ", "")
        if basic and basic != code[19:]:
            yield find("code.basic-code-mismatch", g.record.basic_code, basic=basic, embedded=code[19:])
    agency_code = norm(g.record.agency_code).upper().replace(" ", "")
    if len(agency_code) == 18 and agency_code not in checked and _CREDIT.match(agency_code):
        expected = credit_check_char(agency_code[:17])
        if expected is not None and expected != agency_code[17]:
            yield find("code.credit-code-check", g.record.agency_code, "agency_code", where="实施主体编码", code=agency_code, expected=expected)
