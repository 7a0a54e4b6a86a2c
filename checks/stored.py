"""Checked guides as a sweep stored them, with auditors' 误报 decisions applied.

Indicators and scores read guides through here, so a dismissed defect counts nowhere.
Results are rebuilt from what the sweep stored, never by re-running the checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from guideaudit.checks.result import Defect, GuideResult
from guideaudit.record import GuideRecord
from guideaudit.store import Store, StoredGuide


def result_of(guide: StoredGuide, include_dismissed: bool = False) -> GuideResult:
    record = guide.record
    return GuideResult(
        id=record.id,
        item_name=record.item_name,
        agency=record.agency,
        url=record.url,
        na=frozenset(code for code, verdict in guide.elements.items() if verdict == "na"),
        defects=[
            Defect(d.rule, d.element, d.severity, d.message, d.evidence, d.suggestion, d.locus)
            for d in guide.defects
            if include_dismissed or not d.dismissed
        ],
    )


def checked_guides(
    store: Store, sweep_id: int, include_dismissed: bool = False
) -> Iterator[tuple[GuideRecord, GuideResult]]:
    for guide in store.guides(sweep_id):
        yield guide.record, result_of(guide, include_dismissed)
