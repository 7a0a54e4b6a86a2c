"""What the sweep ledger costs: the tests' 2,400-guide fixture portal (tests/sweep/conftest.py:
seed 2026, html and api families, one process serving it), swept with the ledger on and off
(GUIDEAUDIT_LEDGER=False, a setting kept for this measurement only), alternating in one run so
both see the same machine load. Reports wall and CPU seconds of each sweep (its writer and
extraction workers included), the ratio off/on, and the ledger's rows against the URLs the
sweep discovered and the pages it fetched.

`python -m bench.ledger_bench [pairs]` (default 3 pairs).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench.sweep_bench import _run_measured

N_GUIDES = 2400
PROFILES = ("fixture-html", "fixture-api")


def _sweep(portal, work: Path, name: str, ledger: bool) -> dict:
    from guideaudit.store import Store

    env = dict(os.environ, GUIDEAUDIT_HOME=str(work / f"home-{name}"))
    env.pop("GUIDEAUDIT_DB", None)
    db = f"sqlite:///{work / f'{name}.sqlite3'}"
    args = [sys.executable, "-m", "guideaudit", "sweep", *PROFILES, "--base-url", portal.base_url, "--db", db]
    if not ledger:
        args += ["--set", "GUIDEAUDIT_LEDGER=False"]
    code, wall, _rss, tree_mb, out, cpu, roles = _run_measured(args, env)
    if code not in (0, 4):
        raise RuntimeError(f"sweep exited {code}:\n{out[-3000:]}")
    store = Store(db)
    try:
        sweep = store.latest_sweep(status=None)
        counts = sweep.counts
        rows = store.ledger_counts(sweep.id)["rows"]
    finally:
        store.close()
    ledger_counts = counts.get("ledger") or {}
    return {
        "ledger": ledger, "exit": code, "status": sweep.status, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "cpu_by_process_s": roles, "peak_mb": round(tree_mb, 1), "guides": counts.get("guides"),
        "pages": counts.get("pages"), "ledger_rows": rows, "discovered": ledger_counts.get("discovered"),
        "unaccounted": ledger_counts.get("unaccounted"), "states": ledger_counts.get("states"),
        "kinds": ledger_counts.get("kinds"),
    }


def main(pairs: int = 3) -> dict:
    from guideaudit.fixtures.portal import FixturePortal

    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp, \
            FixturePortal(n_guides=N_GUIDES, seed=2026, port=0, process=True) as portal:
        work = Path(tmp)
        for i in range(pairs):
            # alternate which goes first: neither always meets a warm or a cold machine
            order = (True, False) if i % 2 == 0 else (False, True)
            for ledger in order:
                run = _sweep(portal, work, f"{i}-{'on' if ledger else 'off'}", ledger)
                runs.append(run)
                print(json.dumps({k: run[k] for k in ("ledger", "status", "wall_s", "cpu_s", "guides", "pages",
                                                      "ledger_rows", "discovered", "unaccounted")}), flush=True)
    on = [r for r in runs if r["ledger"]]
    off = [r for r in runs if not r["ledger"]]
    summary = {
        "pairs": pairs,
        "wall_on_s": statistics.median(r["wall_s"] for r in on),
        "wall_off_s": statistics.median(r["wall_s"] for r in off),
        "cpu_on_s": statistics.median(r["cpu_s"] for r in on),
        "cpu_off_s": statistics.median(r["cpu_s"] for r in off),
        "main_cpu_on_s": statistics.median(r["cpu_by_process_s"].get("main", 0) for r in on),
        "main_cpu_off_s": statistics.median(r["cpu_by_process_s"].get("main", 0) for r in off),
        "ledger_rows": on[0]["ledger_rows"], "discovered": on[0]["discovered"], "pages": on[0]["pages"],
        "guides": on[0]["guides"], "states": on[0]["states"], "kinds": on[0]["kinds"],
    }
    summary["wall_ratio_off_over_on"] = round(summary["wall_off_s"] / summary["wall_on_s"], 3)
    summary["cpu_ratio_on_over_off"] = round(summary["cpu_on_s"] / summary["cpu_off_s"], 3)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return summary


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
