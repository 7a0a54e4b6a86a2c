"""Cached normalisation shared by the parsers: a province repeats the same few thousand values
over 100k guides, so each distinct string is cleaned once."""

from __future__ import annotations

import re
from functools import lru_cache

import cn2an

from guideaudit.text import clean, is_blank

# Labels portals (and scrapers) leave in front of a value: "办理地点：…".
_LABEL = re.compile(r"^\s*(?:办理地点|办理时间|咨询电话|咨询方式|监督投诉电话|投诉电话|监督投诉方式|地址)\s*[:：]\s*")


@lru_cache(maxsize=65536)
def norm(text: str | None) -> str:
    """clean() plus removal of a leading field label."""
    if text is None:
        return ""
    return _LABEL.sub("", clean(text))


def is_empty(text: str | None) -> bool:
    """guideaudit.text.is_blank after the leading-label strip of norm()."""
    return is_blank(norm(text), cleaned=True)


_CN_NUM = re.compile(r"^[零〇一二两三四五六七八九十百千万]+$")


@lru_cache(maxsize=4096)
def to_number(token: str) -> float | None:
    """Arabic or Chinese numerals (二十, 十五, 两) as a number; None when it is neither."""
    token = token.strip()
    if not token:
        return None
    try:
        return float(token)
    except ValueError:
        pass
    if not _CN_NUM.match(token) or len(token) > 12:
        return None
    try:
        return float(cn2an.cn2an(token.replace("两", "二"), "smart"))
    except Exception:  # noqa: BLE001 - cn2an raises on odd sequences such as 十十
        return None


NUM = r"(?:\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"
