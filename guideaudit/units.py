"""The one normalisation of unit (实施主体) names: every view that groups guides by unit uses
unit_of, so a guide is filed under one name everywhere (scorecards, defect sheets, indicators)."""

from __future__ import annotations

from guideaudit.record import GuideRecord
from guideaudit.text import clean

NO_UNIT = "（未公布实施主体）"


def unit_name(agency: str | None) -> str:
    """A published 实施主体 as a unit name: cleaned (entities, control characters, full-width
    forms, spaces); no name at all is NO_UNIT."""
    name = clean(agency).replace("\n", " ")
    return name or NO_UNIT


def unit_of(record: GuideRecord) -> str:
    return unit_name(record.agency)
