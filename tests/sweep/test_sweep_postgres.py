"""A sweep into PostgreSQL (a throwaway database on 127.0.0.1:5432, dropped afterwards)."""

from __future__ import annotations

import pytest

from guideaudit.store import Store

from .helpers import cli

pytestmark = pytest.mark.postgres



def test_sweep_into_postgresql(portal, truth, pg_url, tmp_path):
    proc = cli(tmp_path, "sweep", "fixture-api", "--base-url", portal.base_url, "--db", pg_url, "--max-guides", "60")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "postgresql+psycopg://postgres@127.0.0.1:5432/" in proc.stdout
    store = Store(pg_url)
    try:
        [sweep] = store.list_sweeps()
        assert sweep.status == "complete" and sweep.counts["guides"] == 60
        records = {r.id: r for r in store.records(sweep.id)}
        assert len(records) == 60
        by_id = {g.id: g for g in truth if g.portal == "fixture-api"}
        assert set(records) <= set(by_id)
        assert all(records[i].item_name == by_id[i].item_name for i in records)
        seeded = {(gid, rule) for gid, rule in portal.seeded_defects() if gid in records}
        assert {(d.guide_id, d.rule) for d in store.defects(sweep.id, include_dismissed=True)} == seeded
        assert store.raw_page(sweep.id, next(iter(records))) is not None
    finally:
        store.close()
    exported = cli(tmp_path, "export", "defects", "--format", "jsonl", "--db", pg_url)
    assert exported.returncode == 0, exported.stderr
    assert len(exported.stdout.splitlines()) == len(seeded)
