"""The one translation between checked guides and what the store keeps.

Sweeps store guides through entry_of; indicators and scores read them back through
checked_guides, with auditors' 误报 decisions applied, so a dismissed defect counts nowhere.
Results are rebuilt from what the sweep stored, never by re-running the checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from guideaudit.checks.result import Defect, GuideResult, Unsure, incomplete_id

from guideaudit.record import GuideRecord
from guideaudit.store import DefectRow, GuideEntry, RawPage, Store, StoredGuide, UnsureRow
from guideaudit.vocab import Verdict


def entry_of(record: GuideRecord, result: GuideResult, raw: RawPage | None = None) -> GuideEntry:
    """A checked guide as the store keeps it: element verdicts and defects with stable ids."""
    defects = [
        DefectRow(result.defect_id(d), d.rule, d.element, d.severity, d.message, d.evidence,
                  d.suggestion, d.locus)
        for d in result.defects
    ]
    unsure = [
        UnsureRow(incomplete_id(result.id, u.element), u.element, u.rule, u.reason, u.evidence, u.locus)
        for u in result.unsure
    ]
    return GuideEntry(record=record, elements=dict(result.elements), defects=defects, raw=raw, unsure=unsure)


def result_of(guide: StoredGuide, include_dismissed: bool = False) -> GuideResult:
    """The stored result with auditors' decisions applied: 误报 defects dropped (unless
    include_dismissed), 待核实 elements an auditor settled counted as they settled them."""
    record = guide.record
    settled = {u.element: u.settled for u in guide.unsure if u.settled and not include_dismissed}
    return GuideResult(
        id=record.id,
        item_name=record.item_name,
        agency=record.agency,
        url=record.url,
        na=frozenset(code for code, verdict in guide.elements.items() if verdict == Verdict.NA),
        defects=[
            Defect(d.rule, d.element, d.severity, d.message, d.evidence, d.suggestion, d.locus)
            for d in guide.defects
            if include_dismissed or not d.dismissed
        ],
        unsure=[Unsure(u.element, u.reason, u.rule, u.evidence, u.locus) for u in guide.unsure],
        settled=settled,
    )


def checked_guides(
    store: Store, sweep_id: int, include_dismissed: bool = False
) -> Iterator[tuple[GuideRecord, GuideResult]]:
    for guide in store.guides(sweep_id):
        yield guide.record, result_of(guide, include_dismissed)
