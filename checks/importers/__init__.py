"""Converters from third parties' exports of real portals into canonical guide records.

One module per source. Each declares ``TITLE`` (Chinese), ``UNCAPTURED`` (what its source never
captures: record fields and sub-fields, see guideaudit.record.CAPTURE_PATHS) and
``load(path) -> Iterator[GuideRecord]``; every record it makes carries that set in
``record.uncaptured`` (plus what one record lacks on its own), so the checks give 待核实 there,
never a defect. A source whose guide is spread over several files (a detail response, its
materials, its flow) also declares ``load_files(paths)``, which sees them all at once.
A file that is not what the importer reads raises RecordError naming the file and what was
expected. Register a new module in ``IMPORTERS`` (docs/importers.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from guideaudit.record import GuideRecord

# name → module under guideaudit.checks.importers, or an absolute module path: the 福建 saved
# responses go through the crawler's own profile mapping, which lives above the checks.
IMPORTERS: dict[str, str] = {
    "gdzwfw-2021": "gdzwfw_2021",
    "gxzwfw-2025": "gxzwfw_2025",
    "zjzwfw-2018": "zjzwfw_2018",
    "hunan-unify": "hunan_unify",
    "fujian": "guideaudit.crawler.saved_responses",
}


@dataclass(frozen=True)
class Importer:
    name: str
    title: str  # Chinese: which portal, which export
    load: Callable[[Path], Iterator[GuideRecord]]
    uncaptured: tuple[str, ...]
    load_many: Callable[[list[Path]], Iterator[GuideRecord]] | None = None

    def load_files(self, paths: Iterable[Path]) -> Iterator[GuideRecord]:
        """Records from all the files of one run (grouping them when the source needs it)."""
        files = [Path(p) for p in paths]
        if self.load_many is not None:
            yield from self.load_many(files)
            return
        for path in files:
            yield from self.load(path)


def importer(name: str) -> Importer:
    target = IMPORTERS[name]
    module = import_module(target if target.startswith("guideaudit.") else f"guideaudit.checks.importers.{target}")
    return Importer(name, module.TITLE, module.load, tuple(module.UNCAPTURED), getattr(module, "load_files", None))


def importers() -> dict[str, Importer]:
    return {name: importer(name) for name in IMPORTERS}
