"""The sources `check --from`, `indicators --from`, `import` and `consistency` read: one name per
third party's export of a real portal (docs/importers.md). Each module declares ``TITLE``,
``UNCAPTURED`` and ``load(path)`` (and ``load_files(paths)`` when one guide spans several files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from guideaudit.record import GuideRecord

# name → module. The converters of third parties' exports live in guideaudit.checks.importers;
# the 福建 saved API responses go through the crawler's own profile mapping. This registry
# knows both, so it sits above both layers (with the commands that use it).
IMPORTERS: dict[str, str] = {
    "gdzwfw-2021": "guideaudit.checks.importers.gdzwfw_2021",
    "gxzwfw-2025": "guideaudit.checks.importers.gxzwfw_2025",
    "zjzwfw-2018": "guideaudit.checks.importers.zjzwfw_2018",
    "hunan-unify": "guideaudit.checks.importers.hunan_unify",
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
    module = import_module(IMPORTERS[name])
    return Importer(name, module.TITLE, module.load, tuple(module.UNCAPTURED), getattr(module, "load_files", None))


def importers() -> dict[str, Importer]:
    return {name: importer(name) for name in IMPORTERS}
