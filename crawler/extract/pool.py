"""Page extraction in worker processes, so the crawl's own process only fetches and routes.

Extraction is pure CPU (lxml tree, pairs, label mapping, the record): about 1.3 ms a page,
which in the crawl's process holds the GIL that Scrapy's downloader and pipelines need. With
GUIDEAUDIT_EXTRACT_WORKERS=N (e.g. `guideaudit sweep … --set GUIDEAUDIT_EXTRACT_WORKERS=2`) the
spider sends each page's bytes to N worker processes and gets back what it needs: the record as
JSON-ready data, the page's links and its form links. The extraction code is the same
(``extract_bytes``), so the records are identical. It pays only where cores are idle: sending
pages and results between processes costs CPU too (about 1.2 ms a guide in all on the 2 shared
cores of bench/sweep_bench.py, where it made the sweep slower), so it is off by default.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .page import extract_bytes

logger = logging.getLogger(__name__)

# What a worker returns: (record as model_dump(mode="json") or None, links, form URLs,
# encoding used, reason when not a guide).
Extracted = tuple[dict[str, Any] | None, list[str], list[str], str, str]


def extract_job(body: bytes, kwargs: dict[str, Any]) -> Extracted:
    """Runs in a worker (or in-process as the fallback): extract_bytes, shaped for pickling."""
    result, encoding = extract_bytes(body, **kwargs)
    record = result.record.model_dump(mode="json") if result.record is not None else None
    return record, result.links, sorted(result.form_urls), encoding, result.reason


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group: the sweep decides how to stop, not its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ExtractPool:
    """A process pool for extract_job; falls back to in-process extraction if it breaks."""

    def __init__(self, workers: int) -> None:
        # spawn: a fork of a process running a reactor and threads is not safe.
        ctx = multiprocessing.get_context("spawn")
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_init_worker
        )

    async def extract(self, body: bytes, **kwargs: Any) -> Extracted:
        executor = self._executor
        if executor is not None:
            try:
                return await asyncio.wrap_future(executor.submit(extract_job, body, kwargs))
            except BrokenProcessPool:
                logger.warning("extraction workers stopped; extracting in the crawl's process")
                self._executor = None
        return extract_job(body, kwargs)

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
