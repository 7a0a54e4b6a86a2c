"""Numbered list pages of a server-rendered portal, told from the links alone (no per-portal code).

A list page's pager links to pages of its own series: URLs equal to the page's own but for one
number (``list.html?page=3``, ``list_3.html``, ``…&pageno=3``). From one page of a series the
spider knows the series' last page (the highest number linked, 尾页), the entries a page holds
(when the profile says what an entry looks like: ``list_markers.item``) and, when the pager
says so (共 N 条), the series' total. That is what a failed page of the series leaves unknown:
``expected`` guides behind it, or None (未知) when the page cannot say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = re.compile(r"\d+")
# "共 123 条" / "共123项记录" / "总计 45 条": a total of entries, not of pages (共 9 页).
_TOTAL = re.compile(r"(?:共|总计|合计)\s*(\d{1,7})\s*(?:条|项|个|件)")
MAX_SERIES_PAGES = 2000  # a "last page" beyond this is no pager (an id, a year range)


def split_numbers(url: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """(the URL's text around its numbers, its numbers)."""
    parts = tuple(_NUMBER.split(url))
    numbers = tuple(int(n) for n in _NUMBER.findall(url))
    return parts, numbers


@dataclass(frozen=True)
class Series:
    """One numbered series of list pages: its URL pattern (the text around the numbers, the
    position of the page number and the other numbers), this page's number and the last."""

    parts: tuple[str, ...]
    numbers: tuple[int, ...]
    position: int
    current: int
    last: int

    def url(self, page: int) -> str:
        numbers = list(self.numbers)
        numbers[self.position] = page
        out = [self.parts[0]]
        for n, text in zip(numbers, self.parts[1:], strict=True):
            out.append(str(n))
            out.append(text)
        return "".join(out)

    def number_of(self, url: str) -> int | None:
        """The page number of ``url`` if it belongs to this series."""
        parts, numbers = split_numbers(url)
        if parts != self.parts or len(numbers) != len(self.numbers):
            return None
        others = [n for i, n in enumerate(numbers) if i != self.position]
        mine = [n for i, n in enumerate(self.numbers) if i != self.position]
        return numbers[self.position] if others == mine else None


def series_of(url: str, links: list[str]) -> Series | None:
    """The series ``url`` is a page of, from the links it shows (None: no pager among them)."""
    parts, numbers = split_numbers(url)
    if not numbers:
        return None
    by_position: dict[int, set[int]] = {}
    for link in links:
        lparts, lnumbers = split_numbers(link)
        if lparts != parts or len(lnumbers) != len(numbers):
            continue
        differ = [i for i, (a, b) in enumerate(zip(numbers, lnumbers, strict=True)) if a != b]
        if len(differ) == 1:
            by_position.setdefault(differ[0], set()).add(lnumbers[differ[0]])
    if not by_position:
        return None
    position = max(by_position, key=lambda p: (len(by_position[p]), p))
    current = numbers[position]
    last = max(by_position[position] | {current})
    if last > MAX_SERIES_PAGES or current > MAX_SERIES_PAGES:
        return None
    return Series(parts, numbers, position, current, last)


def total_of(text: str) -> int | None:
    """The series' total of entries as the pager states it (共 N 条), or None."""
    found = _TOTAL.search(text)
    return int(found.group(1)) if found else None


def expected_on(page: int, last: int, size: int | None, total: int | None, first: int = 1) -> int | None:
    """Guides page ``page`` of a series leads to: ``size`` on every page but the last, the
    remainder of ``total`` on the last; None when the pages do not say."""
    if size is None or size <= 0:
        return None
    if page < last:
        return size
    if total is None:
        return None
    rest = total - (last - first) * size
    return rest if 0 < rest <= size else None
