"""The store: sweeps, guide versions (raw pages kept as evidence), defects, reviews."""

from guideaudit.store.store import (
    DISMISSED,
    REVIEW_STATUSES,
    SWEEP_STATUSES,
    DefectRow,
    GuideEntry,
    RawPage,
    Review,
    ReviewDecision,
    Store,
    StoredDefect,
    StoredGuide,
    StoreError,
    Sweep,
)

__all__ = [
    "DISMISSED",
    "REVIEW_STATUSES",
    "SWEEP_STATUSES",
    "DefectRow",
    "GuideEntry",
    "RawPage",
    "Review",
    "ReviewDecision",
    "Store",
    "StoreError",
    "StoredDefect",
    "StoredGuide",
    "Sweep",
]
