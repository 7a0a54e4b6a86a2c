"""What identifies a check run: the checker version, a digest of the rule declarations, the
settings and the capture sets of the sources. Stored per sweep (Store.add_check_run), so results
of different runs are never compared silently."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from guideaudit.checks import rules as _rules  # noqa: F401 - registers every rule
from guideaudit.checks.elements import ELEMENT_FIELDS, ELEMENTS
from guideaudit.checks.registry import RULES
from guideaudit.checks.settings import DEFAULT_SETTINGS, CheckSettings

# Bump when a rule changes what it reports; tests/checks/test_versions.py pins each version to
# the digest of the declarations it was released with.
CHECKER_VERSION = "2.2.0"


def rules_digest() -> str:
    """sha256 over every rule declaration and the fields each element is judged on."""
    rules = [
        [r.id, r.element, r.name, r.severity, r.message, r.suggestion, r.applies_to, list(r.fields)]
        for r in sorted(RULES.values(), key=lambda r: r.id)
    ]
    blob = json.dumps(
        {"rules": rules, "elements": ELEMENTS, "fields": {k: list(v) for k, v in ELEMENT_FIELDS.items()}},
        ensure_ascii=False, sort_keys=True,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def check_run(settings: CheckSettings | None = None, captures: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The identity of a check run, as Store.add_check_run takes it."""
    return {
        "checker_version": CHECKER_VERSION,
        "rules_digest": rules_digest(),
        "settings": (settings or DEFAULT_SETTINGS).model_dump(mode="json"),
        "captures": {source: sorted(paths) for source, paths in (captures or {}).items()},
    }
