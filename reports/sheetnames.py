"""Excel worksheet names: at most 31 characters, none of []:*?/\\, not starting or ending with an
apostrophe, unique without regard to case."""

from __future__ import annotations

import re

MAX_LEN = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
RESERVED = {"history"}


class SheetNamer:
    """Hands out valid, unique sheet names for arbitrary unit names."""

    def __init__(self, taken: list[str] | tuple[str, ...] = ()) -> None:
        self._used: set[str] = {name.casefold() for name in taken}

    @staticmethod
    def _cut(text: str, limit: int) -> str:
        # Cutting can leave an apostrophe (or a space before it) at the end, which Excel refuses.
        return text[:limit].rstrip("' ") or "单位"

    def name(self, wanted: str) -> str:
        base = _FORBIDDEN.sub("_", wanted).strip().strip("'").strip() or "单位"
        if base.casefold() in RESERVED:
            base += "_"
        candidate = self._cut(base, MAX_LEN)
        n = 2
        while candidate.casefold() in self._used:
            suffix = f"({n})"
            candidate = self._cut(base, MAX_LEN - len(suffix)) + suffix
            n += 1
        self._used.add(candidate.casefold())
        return candidate
