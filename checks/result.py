"""What checking one guide produces: its defects and, derived from them, the element verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from guideaudit.checks.elements import ALL_CODES, ELEMENTS

from guideaudit.vocab import SEVERITIES, VERDICTS, Verdict

Severity = Literal["error", "warning"]

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


from guideaudit.record import defect_id  # noqa: E402 - re-exported: one definition


def incomplete_id(guide_id: str, element: str) -> str:
    """The id an auditor's decision on one 待核实 element is recorded under."""
    return defect_id(guide_id, "incomplete", element)


@dataclass(frozen=True, slots=True)
class Unsure:
    """One reason an element could not be judged (待核实)."""

    element: str
    reason: str  # Chinese: what was not captured or could not be verified
    rule: str = ""  # the rule that could not be decided; "" when the element's facts are missing
    evidence: str = ""
    locus: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"element": self.element, "rule": self.rule, "reason": self.reason,
                "evidence": self.evidence, "locus": self.locus}


@dataclass(slots=True)
class GuideResult:
    id: str
    item_name: str | None = None
    agency: str | None = None
    url: str | None = None
    na: frozenset[str] = frozenset()
    defects: list[Defect] = field(default_factory=list)
    unsure: list[Unsure] = field(default_factory=list)
    # Auditors' settlements of 待核实 elements: element → pass | fail.
    settled: dict[str, str] = field(default_factory=dict)

    @property
    def elements(self) -> dict[str, str]:
        """element → verdict: na, else fail (any error defect), else 待核实 (anything it rests
        on not captured or not verifiable, unless an auditor settled it), else pass."""
        failing = {d.element for d in self.defects if d.severity == "error"}
        unsure = {u.element for u in self.unsure}
        out = {}
        for code in ELEMENTS:
            if code in self.na:
                out[code] = Verdict.NA.value
            elif code in failing:
                out[code] = Verdict.FAIL.value
            elif code in unsure:
                out[code] = self.settled.get(code, Verdict.INCOMPLETE.value)
            else:
                out[code] = Verdict.PASS.value
        return out

    @property
    def reasons(self) -> dict[str, str]:
        """element → why it is 待核实 (only elements whose verdict is incomplete)."""
        verdicts = self.elements
        out: dict[str, list[str]] = {}
        for u in self.unsure:
            if verdicts.get(u.element) == Verdict.INCOMPLETE and u.reason not in out.setdefault(u.element, []):
                out[u.element].append(u.reason)
        return {code: "；".join(reasons) for code, reasons in out.items()}

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
        data = {
            "id": self.id,
            "item_name": self.item_name,
            "agency": self.agency,
            "url": self.url,
            "elements": self.elements,
            "reasons": self.reasons,
            "defects": [d.to_dict(with_locus) for d in self.defects],
        }
        if with_locus:
            data["unsure"] = [u.to_dict() for u in self.unsure]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuideResult:
        """Inverse of to_dict. ``na`` comes from the elements map; a defect's optional
        "locus" key is kept (without it, locus is "")."""
        elements = data.get("elements") or {}
        unknown = set(elements) - set(ELEMENTS)
        if unknown:
            raise ValueError(f"未知的要素代码：{', '.join(sorted(unknown))}")
        bad = sorted({v for v in elements.values() if v not in VERDICTS})
        if bad:
            raise ValueError(f"要素结论应为 {' / '.join(VERDICTS)}，实际为 {', '.join(map(str, bad))}")
        defects = []
        for raw in data.get("defects") or []:
            missing = [k for k in _DEFECT_KEYS if k not in raw]
            if missing:
                raise ValueError(f"缺陷缺少字段：{', '.join(missing)}")
            if raw["severity"] not in SEVERITIES:
                raise ValueError(f"缺陷严重程度应为 error 或 warning，实际为 {raw['severity']!r}")
            if raw["element"] not in ALL_CODES:
                raise ValueError(f"未知的要素代码：{raw['element']}")
            defects.append(Defect(**{k: raw[k] for k in _DEFECT_KEYS}, locus=raw.get("locus") or ""))
        reasons = data.get("reasons") or {}
        unsure = [Unsure(**u) for u in data.get("unsure") or []] or [
            Unsure(code, reasons.get(code, "")) for code, v in elements.items() if v == Verdict.INCOMPLETE
        ]
        return cls(
            id=data["id"],
            item_name=data.get("item_name"),
            agency=data.get("agency"),
            url=data.get("url"),
            na=frozenset(code for code, verdict in elements.items() if verdict == Verdict.NA),
            defects=defects,
            unsure=unsure,
        )
