"""Converters from third parties' exports of real portals into canonical guide records.

One module per source. Each declares what its source never captures (``UNCAPTURED``: record
fields and sub-fields, see guideaudit.record.CAPTURE_PATHS); every record it makes carries that
set in ``record.uncaptured`` (plus what one record lacks on its own), so the checks give 待核实
there, never a defect. Register a new module in ``IMPORTERS``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from guideaudit.record import GuideRecord

# name → module under guideaudit.checks.importers
IMPORTERS: dict[str, str] = {
    "gdzwfw-2021": "gdzwfw_2021",
}


@dataclass(frozen=True)
class Importer:
    name: str
    title: str  # Chinese: which portal, which export
    load: Callable[[Path], Iterator[GuideRecord]]
    uncaptured: tuple[str, ...]


def importer(name: str) -> Importer:
    module = import_module(f"guideaudit.checks.importers.{IMPORTERS[name]}")
    return Importer(name, module.TITLE, module.load, tuple(module.UNCAPTURED))


def importers() -> dict[str, Importer]:
    return {name: importer(name) for name in IMPORTERS}
