"""Shared by the sweep tests: run the real CLI in a subprocess, compare a sweep with the truth."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from guideaudit.record import FIELD_NAMES, GuideRecord

FETCH_RESULT_KEYS = ("status", "content_type", "bytes", "kind", "sha256", "error")
COMPARED_FIELDS = tuple(f for f in FIELD_NAMES if f != "fetched_at")


def cli_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["GUIDEAUDIT_HOME"] = str(home)
    env.pop("GUIDEAUDIT_DB", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli(home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "guideaudit", *args],
        env=cli_env(home), capture_output=True, text=True, timeout=timeout,
    )


def popen_cli(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "guideaudit", *args],
        env=cli_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _strip_fetch_results(value):
    """The truth's FormLinks carry url and name only; what the crawler verified is compared
    by the crawler's own tests."""
    if isinstance(value, dict):
        if "url" in value and "name" in value and set(value) <= {"url", "name", *FETCH_RESULT_KEYS}:
            return {"url": value.get("url"), "name": value.get("name")}
        return {k: _strip_fetch_results(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_fetch_results(v) for v in value]
    return value


def field_values(record: GuideRecord) -> dict:
    data = record.model_dump(mode="json")
    return {f: _strip_fetch_results(data.get(f)) for f in COMPARED_FIELDS}


def compare_records(stored: dict[str, GuideRecord], truth: list[GuideRecord]) -> tuple[float, list[str]]:
    """Share of (guide × field) recovered exactly, and readable mismatches."""
    total = exact = 0
    problems: list[str] = []
    by_field: dict[str, int] = defaultdict(int)
    for expected in truth:
        want = field_values(expected)
        got_record = stored.get(expected.id)
        total += len(want)
        if got_record is None:
            problems.append(f"{expected.portal} {expected.id} {expected.url}: 未入库")
            by_field["<missing guide>"] += 1
            continue
        got = field_values(got_record)
        for name, value in want.items():
            if got.get(name) == value:
                exact += 1
            else:
                by_field[name] += 1
                if len(problems) < 40:
                    problems.append(
                        f"{expected.portal} {expected.id} {name}: 期望 {str(value)[:160]!r} 实际 {str(got.get(name))[:160]!r}"
                    )
    if by_field:
        problems.insert(0, "按字段统计的不一致：" + ", ".join(f"{k}={v}" for k, v in sorted(by_field.items())))
    return (exact / total if total else 0.0), problems


def defect_diff(stored: set[tuple[str, str]], seeded: set[tuple[str, str]], messages: dict) -> list[str]:
    """Extra and missing (guide, rule) pairs, summarised per rule, with a few examples each."""
    from collections import Counter

    extra, missing = stored - seeded, seeded - stored
    if not extra and not missing:
        return []
    lines = [
        f"多报 {len(extra)} 个：{dict(Counter(r for _, r in extra).most_common())}",
        f"漏报 {len(missing)} 个：{dict(Counter(r for _, r in missing).most_common())}",
    ]
    shown: Counter = Counter()
    for gid, rule in sorted(extra):
        if shown[("+", rule)] < 3:
            shown[("+", rule)] += 1
            lines.append(f"  多报 {gid} {rule}: {messages.get((gid, rule), '')}")
    for gid, rule in sorted(missing):
        if shown[("-", rule)] < 3:
            shown[("-", rule)] += 1
            lines.append(f"  漏报 {gid} {rule}")
    return lines
