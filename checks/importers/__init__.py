"""Converters from scrapers' raw exports into canonical guide records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from guideaudit.record import GuideRecord


def importers() -> dict[str, tuple[Callable[[Path], Iterator[GuideRecord]], tuple[str, ...], tuple[str, ...]]]:
    """name → (loader, elements the source cannot show, rules it cannot judge)."""
    from guideaudit.checks.importers import gdzwfw_2021

    return {
        "gdzwfw-2021": (gdzwfw_2021.load, gdzwfw_2021.UNCAPTURED_ELEMENTS, gdzwfw_2021.UNCAPTURED_RULES),
    }
