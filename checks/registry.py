"""The one registry of rules. A rule is data (id, element, name, severity, which guides it
applies to, message and suggestion templates); element checkers are small functions that yield
Findings naming a declared rule. Ids are the contract in docs/rules.md: add, never rename."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from guideaudit.checks.elements import ELEMENT_FIELDS

from guideaudit.record import CAPTURE_PATHS
from guideaudit.vocab import SEVERITIES

if TYPE_CHECKING:
    from guideaudit.checks.guide import Guide


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    element: str
    name: str  # short Chinese title
    severity: str  # "error" fails its element; "warning" never does
    message: str  # Chinese, str.format template over the finding's params
    suggestion: str  # what a right value looks like
    applies_to: str = "所有事项"  # human description of applicability
    applies: Callable[[Guide], bool] | None = None
    # Record fields the rule's finding rests on ("steps.handler", "materials.source"); empty:
    # those of its element (ELEMENT_FIELDS). A finding whose fields the source did not capture
    # is 待核实, not a defect.
    reads: tuple[str, ...] = ()
    basis: str = ""  # the statute or standard the rule rests on (the catalogue cites it)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.reads or ELEMENT_FIELDS[self.element]


@dataclass(slots=True)
class Finding:
    rule: str
    evidence: str | None  # the published text; None when absent ("未公布")
    locus: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    # Set when the checker could not verify the fact the rule is about (an attachment that
    # could not be fetched): the finding becomes a 待核实 reason, not a defect.
    unsure: str | None = None


Checker = Callable[["Guide"], Iterable[Finding]]

RULES: dict[str, Rule] = {}
CHECKERS: list[tuple[str, Checker]] = []


def declare(*rules: Rule) -> None:
    for rule in rules:
        if rule.id in RULES:
            raise ValueError(f"rule declared twice: {rule.id}")
        if rule.severity not in SEVERITIES:
            raise ValueError(f"bad severity for {rule.id}: {rule.severity}")
        if rule.element not in ELEMENT_FIELDS:
            raise ValueError(f"unknown element for {rule.id}: {rule.element}")
        bad = [p for p in rule.fields if p not in CAPTURE_PATHS]
        if bad:
            raise ValueError(f"{rule.id} reads unknown record fields: {bad}")
        RULES[rule.id] = rule


def checker(element: str) -> Callable[[Checker], Checker]:
    """Register the function that checks one element (or C-/X- code)."""

    def register(fn: Checker) -> Checker:
        CHECKERS.append((element, fn))
        return fn

    return register


def find(rule: str, evidence: str | None, locus: str = "", **params: Any) -> Finding:
    return Finding(rule, evidence, locus, params)


def unsure(rule: str, why: str, evidence: str | None, locus: str = "", **params: Any) -> Finding:
    """The rule's fact could not be verified (Chinese ``why``): 待核实."""
    return Finding(rule, evidence, locus, params, unsure=why)
