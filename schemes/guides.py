"""Guide indicators per 实施主体, from a stored sweep or from checked guide records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from guideaudit.errors import UsageError


@dataclass
class GuideFigures:
    """{实施主体: {indicator name: Indicator}} plus where they came from ("sweep 3", "records")."""

    groups: Mapping[str, Mapping[str, Any]]
    source: str
    origin: str  # longer text for reports: database and sweep, or the record files
    source_note: str | None = None  # a partial sweep's Store.Sweep.unread_note


def from_pairs(pairs: Iterable, source: str, origin: str) -> GuideFigures:
    from guideaudit.checks.indicators import compute_indicators

    return GuideFigures(compute_indicators(list(pairs), by="agency"), source, origin)


def from_store(db_url: str, sweep_id: int | None, *, required: bool) -> GuideFigures | None:
    """The sweep's checked guides (误报 decisions applied); None when the store has no sweep."""
    from guideaudit.store import Store

    try:
        store = Store(db_url)
    except Exception as err:  # bad URL, unreachable server, newer schema: say which database
        raise UsageError(f"无法打开数据库 {db_url}：{err}") from None
    try:
        try:
            sweep = store.resolve_sweep(sweep_id)
        except Exception as err:  # StoreError: the sweep does not exist
            raise UsageError(str(err)) from None
        if sweep is None:
            if required:
                raise UsageError(f"数据库 {db_url} 中没有已完成的抓取；请用 --metrics 提供全部数据，或先运行 guideaudit sweep")
            return None
        pairs = _checked(store, sweep.id)
        figures = from_pairs(pairs, f"sweep {sweep.id}", sweep_source(sweep))
        figures.source_note = sweep.unread_note
        return figures
    finally:
        close = getattr(store, "close", None)
        if close:
            close()


def sweep_source(sweep) -> str:
    """How scores name the sweep their guide figures come from; a partial sweep says what it
    could not read (every explanation then carries it)."""
    label = f"第 {sweep.id} 次抓取（{sweep.portal}）"
    note = getattr(sweep, "unread_note", None)
    return f"{label}；{note}" if note else label


def _checked(store, sweep_id: int) -> list:
    method = getattr(store, "checked_guides", None)
    if method is not None:
        return list(method(sweep_id))
    from guideaudit.checks.stored import checked_guides

    return list(checked_guides(store, sweep_id))


def from_records(paths: list[str]) -> GuideFigures:
    from guideaudit.checks import check_guide

    from guideaudit.record import load_records

    pairs = [(record, check_guide(record)) for record in load_records(paths)]
    if not pairs:
        raise UsageError(f"{'、'.join(paths)}：没有读到任何指南记录")
    return from_pairs(pairs, "records", "、".join(paths))
