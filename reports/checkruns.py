"""How a sweep was checked, and whether two sweeps were checked alike: figures of sweeps checked
with another checker version, other rules, settings or capture sets are not like for like."""

from __future__ import annotations

import json

from guideaudit.store import Store


def check_identity(store: Store, sweep_id: int) -> list[tuple]:
    """How a sweep was checked, comparable between sweeps (empty for sweeps before check runs
    were recorded)."""
    return sorted(
        (r.checker_version, r.rules_digest, json.dumps(r.settings, sort_keys=True), json.dumps(r.captures, sort_keys=True))
        for r in store.check_runs(sweep_id)
    )


def check_difference(past: list[tuple], current: list[tuple]) -> str:
    """"" when both sweeps were checked alike; else what differs, in Chinese."""
    if past == current:
        return ""
    if not past or not current:
        return "检查口径未记录"
    what = []
    for index, label in ((0, "检查程序版本"), (1, "规则"), (2, "检查设置"), (3, "采集范围")):
        if {p[index] for p in past} != {c[index] for c in current}:
            what.append(label)
    versions = "、".join(sorted({p[0] for p in past}))
    return f"{'、'.join(what) or '检查口径'}不同（检查程序 {versions}）"
