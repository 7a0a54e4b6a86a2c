"""The one registry of rules. A rule is data (id, element, name, severity, which guides it
applies to, message and suggestion templates); element checkers are small functions that yield
Findings naming a declared rule. Ids are the contract in docs/rules.md: add, never rename."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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


@dataclass(slots=True)
class Finding:
    rule: str
    evidence: str | None  # the published text; None when absent ("未公布")
    locus: str = ""
    params: dict[str, Any] = field(default_factory=dict)


Checker = Callable[["Guide"], Iterable[Finding]]

RULES: dict[str, Rule] = {}
CHECKERS: list[tuple[str, Checker]] = []


def declare(*rules: Rule) -> None:
    for rule in rules:
        if rule.id in RULES:
            raise ValueError(f"rule declared twice: {rule.id}")
        if rule.severity not in ("error", "warning"):
            raise ValueError(f"bad severity for {rule.id}: {rule.severity}")
        RULES[rule.id] = rule


def checker(element: str) -> Callable[[Checker], Checker]:
    """Register the function that checks one element (or C-/X- code)."""

    def register(fn: Checker) -> Checker:
        CHECKERS.append((element, fn))
        return fn

    return register


def find(rule: str, evidence: str | None, locus: str = "", **params: Any) -> Finding:
    return Finding(rule, evidence, locus, params)
