"""Guide extraction: HTML pages (any label/value layout) and JSON API responses → GuideRecord."""

from .decode import decode_html
from .page import PageResult, extract_bytes, extract_html

__all__ = ["PageResult", "decode_html", "extract_bytes", "extract_html"]
