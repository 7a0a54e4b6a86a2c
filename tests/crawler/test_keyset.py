"""crawler/keyset.py and crawler/dupefilter.py: the compact sets a sweep keeps for its whole run
answer exactly as Python sets and Scrapy's own duplicate filter do."""

from __future__ import annotations

import random

from guideaudit.crawler.dupefilter import CompactDupeFilter
from guideaudit.crawler.keyset import KeySet
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.utils.request import RequestFingerprinter


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=300), st.lists(st.text(max_size=40), max_size=100))
def test_a_key_set_answers_as_a_set_of_the_same_strings(added, probed):
    keys, reference = KeySet(), set()
    for key in added:  # any text: URLs with Chinese, lone surrogates, empty strings
        assert keys.add(key) is (key not in reference)
        reference.add(key)
    assert len(keys) == len(reference)
    assert all(key in keys for key in reference)
    assert all((key in keys) == (key in reference) for key in probed)


def test_a_key_set_grows_past_a_portal_of_urls_and_merges():
    rng = random.Random(7)
    urls = [f"http://127.0.0.1:8765/guide/{rng.getrandbits(48):x}.html?dept=市场监管局&p={i}" for i in range(60_000)]
    first, second = KeySet(urls[:40_000]), KeySet(urls[30_000:])
    assert len(first) == 40_000 and len(second) == 30_000
    first.merge(second)
    assert len(first) == 60_000 and all(u in first for u in urls[::97])
    assert "http://127.0.0.1:8765/guide/never.html" not in first and 12 not in first
    # one flat array, not an object per URL: ≤ 32 bytes per member
    assert first._slots.itemsize * len(first._slots) <= 32 * len(first)


def test_the_compact_duplicate_filter_decides_as_scrapys_and_keeps_its_jobdir(tmp_path):
    from scrapy.dupefilters import RFPDupeFilter

    fingerprinter = RequestFingerprinter()
    urls = ["http://127.0.0.1/a?x=1&y=2", "http://127.0.0.1/a?y=2&x=1", "http://127.0.0.1/a#top", "http://127.0.0.1/a",
            "http://127.0.0.1/b", "http://127.0.0.1/b"]
    requests = [Request(u) for u in urls] + [Request("http://127.0.0.1/b", method="POST", body=b"page=2")] * 2
    ours, scrapys = CompactDupeFilter(str(tmp_path), fingerprinter=fingerprinter), RFPDupeFilter(fingerprinter=fingerprinter)
    decisions = [ours.request_seen(r) for r in requests]
    assert decisions == [scrapys.request_seen(r) for r in requests] == [False, True, False, True, False, True, False, True]
    ours.close("finished")
    # a JOBDIR's requests.seen is read back into the compact set
    again = CompactDupeFilter(str(tmp_path), fingerprinter=fingerprinter)
    assert all(again.request_seen(r) for r in requests)
    assert not again.request_seen(Request("http://127.0.0.1/c"))
    again.close("finished")
