"""Page extraction in worker processes, so the crawl's own process only fetches and routes.

Extraction is pure CPU (lxml tree, pairs, label mapping, the record): about 1.1 ms a page,
which in the crawl's process holds the GIL that Scrapy's downloader and pipelines need. With
GUIDEAUDIT_EXTRACT_WORKERS=N (`guideaudit sweep` sets default_workers(); `--set
GUIDEAUDIT_EXTRACT_WORKERS=0` keeps extraction in the crawl's process) the spider sends each page's bytes to N worker processes and gets back what it needs: the record as
JSON-ready data, the page's links and its form links. The extraction code is the same
(``extract_bytes``), so the records are identical.

Each worker is `python -m guideaudit.crawler.extract.pool --worker`: length-prefixed pickles
over its stdin/stdout (a private pipe between two processes of this program), read by the
crawl's event loop itself (no threads). A worker ends at EOF, so it never outlives the crawl;
it runs in its own session, so the terminal's Ctrl-C reaches only the crawl. If a worker dies,
its pages and every later one are extracted in the crawl's process.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import pickle
import struct
import subprocess
import sys
from typing import Any

from .page import extract_bytes

logger = logging.getLogger(__name__)

# What a worker returns: (record as model_dump(mode="json") or None, links, form URLs,
# encoding used, reason when not a guide, block-page kind (blockpage.KINDS) or None).
Extracted = tuple[dict[str, Any] | None, list[str], list[str], str, str, str | None]
_HEADER = struct.Struct(">Q")


def default_workers() -> int:
    """Workers a sweep starts: one per core beyond the crawl's own, at most two (a second one
    measured no faster on 2 cores); none on a single core."""
    return max(0, min(2, (os.cpu_count() or 1) - 1))


def extract_job(body: bytes, kwargs: dict[str, Any]) -> Extracted:
    """Runs in a worker (or in-process): extract_bytes, shaped for pickling."""
    result, encoding = extract_bytes(body, **kwargs)
    record = result.record.model_dump(mode="json") if result.record is not None else None
    return record, result.links, sorted(result.form_urls), encoding, result.reason, result.kind


def worker_main() -> int:
    """A worker: extract each (job id, body, kwargs) from stdin, answer on stdout, until EOF."""
    from .. import gcpolicy

    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies may reach the pipe
    gcpolicy.apply(gcpolicy.WORKER_THRESHOLDS)
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return 0
        data = requests.read(_HEADER.unpack(header)[0])
        job, body, kwargs = pickle.loads(data)
        try:
            reply = (job, True, extract_job(body, kwargs))
        except Exception as err:  # the crawl's process retries it and logs the error there
            reply = (job, False, f"{type(err).__name__}: {err}"[:500])
        out = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        replies.write(_HEADER.pack(len(out)) + out)
        replies.flush()


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pending: dict[int, asyncio.Future] = {}
        self.reader: asyncio.Task | None = None
        self.sending = asyncio.Lock()


class ExtractPool:
    """N extraction workers fed from the crawl's event loop; in-process when they are gone."""

    def __init__(self, workers: int) -> None:
        self.size = workers
        self._workers: list[_Worker] = []
        self._jobs = itertools.count()
        self._starting: asyncio.Lock | None = None
        self.broken = False

    async def _start(self) -> None:
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._workers or self.broken:
                return
            for _ in range(self.size):
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "guideaudit.crawler.extract.pool", "--worker",
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
                    env=dict(os.environ),
                )
                worker = _Worker(proc)
                worker.reader = asyncio.ensure_future(self._read(worker))
                self._workers.append(worker)

    async def _read(self, worker: _Worker) -> None:
        stream = worker.proc.stdout
        try:
            while True:
                header = await stream.readexactly(_HEADER.size)
                job, ok, payload = pickle.loads(await stream.readexactly(_HEADER.unpack(header)[0]))
                fut = worker.pending.pop(job, None)
                if fut is not None and not fut.done():
                    fut.set_result((ok, payload))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        # The worker is gone: its pages are extracted here, and so is every later one.
        if not self.broken and self._workers:
            logger.warning("extraction worker %s stopped; extracting in the crawl's process", worker.proc.pid)
        self.broken = True
        for fut in worker.pending.values():
            if not fut.done():
                fut.set_result((False, "worker stopped"))
        worker.pending.clear()

    async def extract(self, body: bytes, **kwargs: Any) -> Extracted:
        if not self.broken and not self._workers:
            try:
                await self._start()
            except OSError as err:
                logger.warning("extraction workers could not start (%s); extracting in the crawl's process", err)
                self.broken = True
        if self.broken or not self._workers:
            return extract_job(body, kwargs)
        worker = min(self._workers, key=lambda w: len(w.pending))
        job = next(self._jobs)
        fut = asyncio.get_running_loop().create_future()
        worker.pending[job] = fut
        try:
            # One page at a time into a worker's pipe, waiting while it is full: pages waiting
            # for a busy worker are not all copied into the pipe's buffer at once.
            async with worker.sending:
                data = pickle.dumps((job, body, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
                worker.proc.stdin.write(_HEADER.pack(len(data)))
                worker.proc.stdin.write(data)
                del data
                await worker.proc.stdin.drain()
        except (ConnectionError, OSError, RuntimeError):
            worker.pending.pop(job, None)
            self.broken = True
            return extract_job(body, kwargs)
        ok, payload = await fut
        if ok:
            return payload
        if payload != "worker stopped":
            logger.warning("extraction worker failed on %s: %s", kwargs.get("url"), payload)
        return extract_job(body, kwargs)  # the same code here: its error, if any, is the page's

    def close(self) -> None:
        """End the workers (EOF); they finish nothing in flight: the crawl has stopped."""
        workers, self._workers = self._workers, []
        self.broken = True
        for worker in workers:
            try:
                worker.proc.stdin.close()
            except (OSError, RuntimeError):
                pass
            if worker.reader is not None:
                worker.reader.cancel()


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    sys.exit(worker_main())
