"""check_guide: run every registered checker over one guide and build its result."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from guideaudit.checks import rules as _rules  # noqa: F401 - registers every rule
from guideaudit.checks.elements import ALL_CODES, ELEMENT_FIELDS, ELEMENTS
from guideaudit.checks.guide import Guide
from guideaudit.checks.registry import CHECKERS, RULES, Rule
from guideaudit.checks.result import Defect, GuideResult, Unsure
from guideaudit.checks.settings import DEFAULT_SETTINGS, CheckSettings

from guideaudit.record import GuideRecord, field_label
from guideaudit.vocab import Severity

MAX_EVIDENCE = 500
_ORDER = list(ALL_CODES)
# Defects come out in element order (E1-1 … E4-2, then C-*, X-*).
_CHECKERS = sorted(CHECKERS, key=lambda item: _ORDER.index(item[0]))
NOT_PUBLISHED = "未公布"
DAMAGED = "\ufffd"  # the replacement character: bytes that did not decode


def not_applicable(g: Guide) -> frozenset[str]:
    """Elements that do not apply to this guide (plus those the settings skip)."""
    na = set(g.settings.skip_elements)
    if not g.forms and g.record.captured("materials.name"):
        # with material names uncaptured, whether the guide has forms is itself unknown
        na.update(("E4-1", "E4-2"))
    if g.no_offline:
        na.update(("E1-3", "E1-4"))
    if g.no_materials:
        na.update(("E2-1", "E2-2", "E2-3"))  # the guide says no material is needed
    return frozenset(na)


def _evidence(text: str | None) -> str:
    if text is None or not text.strip():
        return NOT_PUBLISHED
    return text if len(text) <= MAX_EVIDENCE else text[:MAX_EVIDENCE] + "…"


@lru_cache(maxsize=256)
def _plan(uncaptured: tuple[str, ...]) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """For one capture set (sources have few): per rule and per element, the fields it reads
    that the set blocks. Computed once per set, not per guide."""
    blocked = set(uncaptured)

    def hit(paths: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(p for p in paths if p in blocked or p.split(".", 1)[0] in blocked)

    return (
        {rule_id: hit(rule.fields) for rule_id, rule in RULES.items()},
        {code: hit(ELEMENT_FIELDS[code]) for code in ELEMENTS},
    )


def _missing(record: GuideRecord, paths: tuple[str, ...]) -> tuple[str, ...]:
    """The blocked paths this record really lacks (GuideRecord.captured decides: a blocked
    top-level field holding a value was captured after all)."""
    return tuple(p for p in paths if not record.captured(p))


@lru_cache(maxsize=1024)
def _not_captured(paths: tuple[str, ...]) -> str:
    return "来源未采集：" + "、".join(field_label(p) for p in paths)


def _why_unsure(record: GuideRecord, rule: Rule, unsure: str | None, evidence: str | None) -> str | None:
    """Why a finding cannot stand as a defect, or None when it can."""
    if unsure:
        return unsure
    if record.uncaptured:
        blocked = _plan(tuple(record.uncaptured))[0][rule.id]
        missing = _missing(record, blocked) if blocked else ()
        if missing:
            return _not_captured(missing)
    if evidence and DAMAGED in evidence:
        return "原文含无法解码的字符，无法判断"
    return None


def check_guide(record: GuideRecord, settings: CheckSettings | None = None) -> GuideResult:
    s = settings or DEFAULT_SETTINGS
    g = Guide(record, s)
    na = not_applicable(g)
    skip_rules = s.skip_rules
    overrides = s.severity_overrides
    defects: list[Defect] = []
    unsure: list[Unsure] = []
    for element, run in _CHECKERS:
        if element in na:
            continue
        for f in run(g):
            rule = RULES[f.rule]
            if skip_rules and rule.id in skip_rules:
                continue
            if rule.applies is not None and not rule.applies(g):
                continue
            severity = overrides.get(rule.id, rule.severity)
            if rule.id == "consult.hotline-only" and s.hotline_only_error:
                severity = "error"
            why = _why_unsure(record, rule, f.unsure, f.evidence)
            if why is not None:
                # A warning that cannot be decided is simply not reported.
                if severity == Severity.ERROR:
                    unsure.append(Unsure(rule.element, why, rule.id, _evidence(f.evidence), f.locus))
                continue
            params = f.params
            defects.append(
                Defect(
                    rule=rule.id,
                    element=rule.element,
                    severity=severity,
                    message=rule.message.format(**params) if params else rule.message,
                    evidence=_evidence(f.evidence),
                    suggestion=rule.suggestion.format(**params) if params else rule.suggestion,
                    locus=f.locus,
                )
            )
    if record.uncaptured:
        # An element whose facts were not captured cannot pass, even when no rule fired.
        failing = {d.element for d in defects if d.severity == Severity.ERROR}
        flagged = {u.element for u in unsure}
        for code, blocked in _plan(tuple(record.uncaptured))[1].items():
            if not blocked or code in na or code in failing or code in flagged:
                continue
            missing = _missing(record, blocked)
            if missing:
                unsure.append(Unsure(code, _not_captured(missing)))
    return GuideResult(
        id=record.id, item_name=record.item_name, agency=record.agency, url=record.url, na=na,
        defects=defects, unsure=unsure,
    )


def check_guides(records: Iterable[GuideRecord], settings: CheckSettings | None = None) -> Iterator[GuideResult]:
    for record in records:
        yield check_guide(record, settings)
