"""Extraction in worker processes gives exactly what the crawl's own process gives."""

from __future__ import annotations

import asyncio
from pathlib import Path

from guideaudit.crawler.extract.pool import ExtractPool, extract_job

PAGES = Path(__file__).parent / "pages"


def test_pool_extracts_every_saved_page_exactly_as_in_process() -> None:
    pages = sorted(PAGES.glob("*.html"))
    assert len(pages) >= 6
    jobs = [
        (p.read_bytes(), {"url": f"http://127.0.0.1/g/{p.stem}.html", "portal": "t", "fetched_at": "2026-01-01T00:00:00+00:00",
                          "collect_links": True})
        for p in pages
    ]
    pool = ExtractPool(1)
    try:
        async def run_all():
            return await asyncio.gather(*(pool.extract(body, **kwargs) for body, kwargs in jobs))

        pooled = asyncio.run(run_all())
    finally:
        pool.close()
    local = [extract_job(body, kwargs) for body, kwargs in jobs]
    assert pooled == local
    assert sum(1 for record, *_ in local if record is not None) >= 6  # the layouts are guides


def test_a_broken_pool_falls_back_to_the_crawls_process() -> None:
    pool = ExtractPool(1)
    body = (PAGES / "th.html").read_bytes()
    try:
        async def one():
            # Start a worker, kill it, then ask: the answer still comes (in this process).
            first = await pool.extract(body, url="http://127.0.0.1/g/1.html")
            for worker in pool._workers:
                worker.proc.kill()
                await worker.proc.wait()
            return first, await pool.extract(body, url="http://127.0.0.1/g/1.html")

        first, second = asyncio.run(one())
    finally:
        pool.close()
    assert pool.broken  # later pages are extracted in this process
    assert first == second == extract_job(body, {"url": "http://127.0.0.1/g/1.html"})
