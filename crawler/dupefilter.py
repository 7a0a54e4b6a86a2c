"""Scrapy's duplicate filter with its fingerprints held compactly (crawler/keyset.py).

Same decisions as ``scrapy.dupefilters.RFPDupeFilter`` (same request fingerprints, same
``requests.seen`` file under a JOBDIR); only the in-memory set differs: 16-32 bytes per request
instead of a 20-byte bytes object plus its set slot (about 90 bytes), for the whole sweep.
A distributed sweep's scheduler keeps its own filter in Redis (crawler/distributed/leases.py).
"""

from __future__ import annotations

from typing import Any

from scrapy.dupefilters import RFPDupeFilter

from .keyset import FingerprintSet


class CompactDupeFilter(RFPDupeFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        compact = FingerprintSet()
        compact.update(self._fingerprints)  # what a JOBDIR's requests.seen held
        self._fingerprints = compact  # type: ignore[assignment]
