"""The one label mapper: each candidate pair's label → a record field, with its score.

Detectors only propose (label text, value, evidence); which field a label is, and how sure,
is decided here once, from the label tables (bundled labels.yaml plus a user's --labels file).
"""

from __future__ import annotations

from .context import PageParts
from .labels import Labels


def map_labels(parts: PageParts, labels: Labels) -> None:
    match = labels.fields.match
    for pair in parts.pairs:
        pair.field, pair.score, pair.method = match(pair.label)
