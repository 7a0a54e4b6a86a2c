"""Assessment schemes as data and the scoring core.

``load_scheme(id_or_path)`` reads and validates one scheme; ``score(scheme, figures, …)`` turns
figures into per-unit points with explanations; ``list_schemes()`` lists the bundled schemes.
"""

from __future__ import annotations

from pathlib import Path

from guideaudit.schemes.engine import score
from guideaudit.schemes.loader import SCHEME_DIR, SchemeError, load_scheme_file
from guideaudit.schemes.model import ENGINE_VERSION, IndicatorScore, Scheme, ScoreResult, UnitScore

__all__ = [
    "ENGINE_VERSION", "IndicatorScore", "Scheme", "SchemeError", "ScoreResult", "UnitScore",
    "list_schemes", "load_scheme", "score", "scheme_path", "validate_scheme_file",
]


def scheme_path(id_or_path: str | Path) -> Path:
    """A bundled scheme by id (its file name), or a path to any scheme file."""
    text = str(id_or_path)
    candidate = Path(text)
    if candidate.suffix in (".yaml", ".yml") and candidate.exists():
        return candidate
    bundled = SCHEME_DIR / f"{text}.yaml"
    if bundled.is_file():
        return bundled
    from guideaudit.schemes.units import suggest

    known = [p.stem for p in sorted(SCHEME_DIR.glob("*.yaml"))]
    raise SchemeError(text, None, None, f"没有这个方案；{suggest(text, known)}（guideaudit schemes list 列出全部）")


def load_scheme(id_or_path: str | Path) -> Scheme:
    return load_scheme_file(scheme_path(id_or_path))


def list_schemes() -> list[Scheme]:
    return [load_scheme_file(p) for p in sorted(SCHEME_DIR.glob("*.yaml"))]


def validate_scheme_file(path: str | Path) -> Scheme:
    """Load a scheme file, raising SchemeError (file, line, indicator, expected) on a mistake."""
    return load_scheme_file(Path(path))
