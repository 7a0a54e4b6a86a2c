"""What checking one guide produces: its defects and, derived from them, the element verdicts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from guideaudit.checks.elements import ALL_CODES, ELEMENTS

Severity = Literal["error", "warning"]
Verdict = Literal["pass", "fail", "na"]

_DEFECT_KEYS = ("rule", "element", "severity", "message", "evidence", "suggestion")


@dataclass(frozen=True, slots=True)
class Defect:
    rule: str
    element: str
    severity: Severity
    message: str
    evidence: str
    suggestion: str
    # Which part of the guide: "" whole-guide field, "material:<i>:<name>", "step:<i>:<name>".
    locus: str = ""

    def to_dict(self, with_locus: bool = False) -> dict[str, str]:
        data = {key: getattr(self, key) for key in _DEFECT_KEYS}
        if with_locus:
            data["locus"] = self.locus
        return data


def defect_id(guide_id: str, rule: str, locus: str = "") -> str:
    """Stable across sweeps while the defect persists: keyed on guide, rule and locus only."""
    return hashlib.sha1(f"{guide_id}|{rule}|{locus}".encode()).hexdigest()[:16]


@dataclass(slots=True)
class GuideResult:
    id: str
    item_name: str | None = None
    agency: str | None = None
    url: str | None = None
    na: frozenset[str] = frozenset()
    defects: list[Defect] = field(default_factory=list)

    @property
    def elements(self) -> dict[str, Verdict]:
        failing = {d.element for d in self.defects if d.severity == "error"}
        return {
            code: "na" if code in self.na else "fail" if code in failing else "pass"
            for code in ELEMENTS
        }

    @property
    def errors(self) -> list[Defect]:
        return [d for d in self.defects if d.severity == "error"]

    def defect_id(self, defect: Defect) -> str:
        return defect_id(self.id, defect.rule, defect.locus)

    def without(self, dismissed_ids: set[str] | frozenset[str]) -> GuideResult:
        """The result once an auditor has dismissed some defects as 误报."""
        kept = [d for d in self.defects if self.defect_id(d) not in dismissed_ids]
        return replace(self, defects=kept)

    def to_dict(self, with_locus: bool = False) -> dict[str, Any]:
        return {
            "id": self.id,
            "item_name": self.item_name,
            "agency": self.agency,
            "url": self.url,
            "elements": self.elements,
            "defects": [d.to_dict(with_locus) for d in self.defects],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuideResult:
        """Inverse of to_dict. ``na`` comes from the elements map; a defect's optional
        "locus" key is kept (without it, locus is "")."""
        elements = data.get("elements") or {}
        unknown = set(elements) - set(ELEMENTS)
        if unknown:
            raise ValueError(f"未知的要素代码：{', '.join(sorted(unknown))}")
        defects = []
        for raw in data.get("defects") or []:
            missing = [k for k in _DEFECT_KEYS if k not in raw]
            if missing:
                raise ValueError(f"缺陷缺少字段：{', '.join(missing)}")
            if raw["severity"] not in ("error", "warning"):
                raise ValueError(f"缺陷严重程度应为 error 或 warning，实际为 {raw['severity']!r}")
            if raw["element"] not in ALL_CODES:
                raise ValueError(f"未知的要素代码：{raw['element']}")
            defects.append(Defect(**{k: raw[k] for k in _DEFECT_KEYS}, locus=raw.get("locus") or ""))
        return cls(
            id=data["id"],
            item_name=data.get("item_name"),
            agency=data.get("agency"),
            url=data.get("url"),
            na=frozenset(code for code, verdict in elements.items() if verdict == "na"),
            defects=defects,
        )
