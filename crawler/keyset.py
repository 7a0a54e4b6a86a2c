"""Sets of URLs and request fingerprints that a sweep keeps for its whole run, held compactly.

A sweep remembers every URL it has seen three times over (the spider's links, the ledger's
discovered keys, Scrapy's duplicate filter). As Python sets of strings and bytes that costs
about 650 bytes per URL, and more in RSS: the long-lived small objects, spread over the
allocator's arenas among each page's short-lived ones, keep those arenas from being freed
(measured: the crawl process grew 1 KB per URL, 64 MB from 10,000 to 100,000 guides).
Here each member is a 64-bit digest in one flat array (open addressing, load ≤ 1/2): 16-32
bytes per member, one allocation, no per-member object.

A digest stands for its key: two different keys with the same 64-bit digest would be taken for
one. For n keys the chance that any two collide is about n²/2⁶⁵: 2.4·10⁻⁹ for a 300,000-guide
province, negligible beside the errors a sweep does measure.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from hashlib import blake2b

_START = 1024  # slots of a new set (8 KB)


def key_digest(key: str) -> int:
    """The 64-bit digest a KeySet stores for ``key`` (never 0: 0 marks an empty slot)."""
    return int.from_bytes(blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little") or 1


def bytes_digest(fingerprint: bytes) -> int:
    """The digest of a request fingerprint, which is a hash already (SHA1): its first 8 bytes."""
    return int.from_bytes(fingerprint[:8].ljust(8, b"\0"), "little") or 1


class DigestSet:
    """A set of non-zero 64-bit integers in one ``array('Q')``."""

    __slots__ = ("_slots", "_mask", "_len")

    def __init__(self) -> None:
        self._slots = array("Q", bytes(8 * _START))
        self._mask = _START - 1
        self._len = 0

    def __len__(self) -> int:
        return self._len

    def _slot_of(self, digest: int) -> int:
        """The slot holding ``digest``, or the empty slot where it would go (linear probing)."""
        slots, mask = self._slots, self._mask
        i = digest & mask
        while slots[i] and slots[i] != digest:
            i = (i + 1) & mask
        return i

    def has_digest(self, digest: int) -> bool:
        return self._slots[self._slot_of(digest)] == digest

    def add_digest(self, digest: int) -> bool:
        """Add; True when it was not there."""
        i = self._slot_of(digest)
        if self._slots[i] == digest:
            return False
        self._slots[i] = digest
        self._len += 1
        if self._len * 2 > len(self._slots):
            self._grow()
        return True

    def merge(self, other: DigestSet) -> None:
        """Add every member of another set of the same digests."""
        for digest in other.digests():
            self.add_digest(digest)

    def digests(self) -> Iterator[int]:
        return (d for d in self._slots if d)

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(8 * len(old) * 2))
        self._mask = len(self._slots) - 1
        for digest in old:
            if digest:
                self._slots[self._slot_of(digest)] = digest


class KeySet(DigestSet):
    """A set of strings (URLs, ledger keys): ``in``, ``add``, ``len``, ``merge``."""

    __slots__ = ()

    def __init__(self, keys: Iterable[str] = ()) -> None:
        super().__init__()
        for key in keys:
            self.add(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.has_digest(key_digest(key))

    def add(self, key: str) -> bool:
        return self.add_digest(key_digest(key))


class FingerprintSet(DigestSet):
    """A set of request fingerprints (bytes), as Scrapy's duplicate filter keeps them."""

    __slots__ = ()

    def __contains__(self, fingerprint: object) -> bool:
        return isinstance(fingerprint, bytes) and self.has_digest(bytes_digest(fingerprint))

    def add(self, fingerprint: bytes) -> bool:
        return self.add_digest(bytes_digest(fingerprint))

    def update(self, fingerprints: Iterable[bytes]) -> None:
        for fingerprint in fingerprints:
            self.add(fingerprint)
