"""网办深度 Ⅰ–Ⅳ, spelt Ⅰ–Ⅳ (folded to I–IV by NFKC), 一级–四级, 1–4, or by name."""

from __future__ import annotations

import re
from functools import lru_cache

from guideaudit.checks.parse.common import norm

_ROMAN = {"IV": 4, "III": 3, "II": 2, "I": 1}
_NAMES = (("全程网办", 4), ("全流程网办", 4), ("材料核验", 3), ("在线预审", 2), ("网上预审", 2), ("信息发布", 1), ("办事指南", 1))
_LEVEL = re.compile(r"(IV|III|II|I|[1-4一二三四])\s*(?:级|星)?", re.IGNORECASE)
_CN = {"一": 1, "二": 2, "三": 3, "四": 4}


@lru_cache(maxsize=1024)
def parse_depth(text: str | None) -> int | None:
    value = norm(text)
    if not value:
        return None
    for name, level in _NAMES:
        if name in value:
            return level
    match = _LEVEL.search(value.upper())
    if not match:
        return None
    token = match.group(1).upper()
    if token in _ROMAN:
        return _ROMAN[token]
    if token in _CN:
        return _CN[token]
    return int(token)
