"""是/否 fields (物流快递, 预约, 网上支付, 是否收费, 是否网办)."""

from __future__ import annotations

from functools import lru_cache

from guideaudit.checks.parse.common import norm

_NO = ("不支持", "不提供", "不可以", "不能", "不收费", "免费", "不需要", "否", "无", "不", "暂不", "×")
_YES = ("是", "支持", "提供", "可以", "有", "收费", "√", "需要", "可")


@lru_cache(maxsize=4096)
def parse_yes_no(text: str | None) -> bool | None:
    """True, False, or None when the text says neither (or nothing)."""
    value = norm(text).strip("。.;；,， ")
    if not value:
        return None
    low = value.lower()
    if low in ("yes", "y", "true", "1"):
        return True
    if low in ("no", "n", "false", "0"):
        return False
    for word in _NO:
        if value.startswith(word):
            return False
    for word in _YES:
        if value.startswith(word):
            return True
    return None
