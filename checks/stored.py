"""The one translation between checked guides and what the store keeps.

Sweeps store guides through entry_of; indicators and scores read them back through
checked_guides, with auditors' 误报 decisions applied, so a dismissed defect counts nowhere.
Results are rebuilt from what the sweep stored, never by re-running the checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from guideaudit.checks.result import Defect, GuideResult

from guideaudit.record import GuideRecord
from guideaudit.store import DefectRow, GuideEntry, RawPage, Store, StoredGuide


def entry_of(record: GuideRecord, result: GuideResult, raw: RawPage | None = None) -> GuideEntry:
    """A checked guide as the store keeps it: element verdicts and defects with stable ids."""
    defects = [
        DefectRow(result.defect_id(d), d.rule, d.element, d.severity, d.message, d.evidence,
                  d.suggestion, d.locus)
        for d in result.defects
    ]
    return GuideEntry(record=record, elements=dict(result.elements), defects=defects, raw=raw)


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
