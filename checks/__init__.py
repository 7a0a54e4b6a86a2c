"""Element checks of published service guides (办事指南准确度 E1–E4, codes, cross-field rules)."""

from guideaudit.checks.elements import ALL_CODES, ELEMENTS
from guideaudit.checks.engine import check_guide, check_guides
from guideaudit.checks.registry import RULES
from guideaudit.checks.result import Defect, GuideResult
from guideaudit.checks.settings import CheckSettings, load_settings
from guideaudit.checks.versions import CHECKER_VERSION, check_run, rules_digest

__all__ = [
    "ALL_CODES",
    "CHECKER_VERSION",
    "ELEMENTS",
    "RULES",
    "CheckSettings",
    "Defect",
    "GuideResult",
    "check_guide",
    "check_run",
    "rules_digest",
    "check_guides",
    "load_settings",
]
