"""Every rule module, imported once so that each declares its rules in the registry."""

from guideaudit.checks.rules import (  # noqa: F401
    codes,
    consult,
    cross,
    forms,
    hours,
    intermediary,
    location,
    materials,
    promised_limit,
    statutory_limit,
    steps,
    visits,
)
