"""Why a download failed, read from the exception and its chain: one classification for pages
(the sweep ledger, crawler/ledger.py) and attachments (crawler/pipelines/attachments.py), each
mapping these neutral causes onto its own vocabulary.

Chromium's net errors (``net::ERR_CONNECTION_RESET``, ``net::ERR_CONTENT_LENGTH_MISMATCH``,
``net::ERR_TOO_MANY_REDIRECTS``, a Playwright TimeoutError …) read as the same causes.

Under the asyncio reactor the same failure arrives as a Twisted error, a builtin one, or a
Scrapy exception wrapping either (ResponseNeverReceived carries its reasons): the whole chain
is judged, a few links deep.
"""

from __future__ import annotations

import asyncio
import builtins
import gzip
import zlib

from scrapy.exceptions import IgnoreRequest
from twisted.internet.error import (
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)

try:  # Scrapy ≥ 2.13 names its download failures
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadTimeoutError,
        ResponseDataLossError,
    )
except ImportError:  # pragma: no cover - older Scrapy: judged by the names in the chain
    CannotResolveHostError = DownloadCancelledError = DownloadConnectionRefusedError = ()  # type: ignore[assignment]
    DownloadTimeoutError = ResponseDataLossError = ()  # type: ignore[assignment]

# Neutral causes: timeout, dns, refused, tls, reset, truncated, too_large (pages: DOWNLOAD_MAXSIZE),
# robots, redirect_loop (a loop or more than REDIRECT_MAX_TIMES), offsite, ignored, connection,
# undecodable (the declared Content-Encoding does not decode the body: Scrapy's
# HttpCompressionMiddleware raises gzip's, zlib's or brotli's own error).
TRUNCATED_MARK = "truncated"  # text of the IgnoreRequest crawler/ledger.py raises for a dataloss body
# Request meta flag of an attachment check (pipelines/attachments.py): those requests are no
# pages of the sweep. Here, low in the crawler, so the spiders' side can read it too.
ATTACHMENT_META_FLAG = "guideaudit_attachment"
REDIRECT_LOOP_MARK = "redirect loop"


def failure_cause(exc: BaseException) -> str:
    if isinstance(exc, IgnoreRequest):
        # robots.txt forbids it, RedirectMiddleware gave up, our own marks, the offsite filter.
        text = str(exc).lower()
        if "robots" in text:
            return "robots"
        if "redirect" in text:
            return "redirect_loop"
        if TRUNCATED_MARK in text or "dataloss" in text:
            return "truncated"
        if "offsite" in text:
            return "offsite"
        return "ignored"
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(seen) < 6:
        seen.append(current)
        reasons = getattr(current, "reasons", None)  # twisted's ResponseNeverReceived & co.
        inner = getattr(reasons[0], "value", None) if reasons else None
        current = inner or current.__cause__ or current.__context__
    for item in seen:
        names = " ".join(k.__name__.lower() for k in type(item).__mro__) + " " + str(item).lower()
        if isinstance(item, (builtins.TimeoutError, TimeoutError, TCPTimedOutError, asyncio.TimeoutError,
                             DownloadTimeoutError)) or "timeout" in names or "timed out" in names:
            return "timeout"
        if "too_many_redirects" in names:  # Chromium (the JS family) follows redirects itself
            return "redirect_loop"
        if isinstance(item, (builtins.ConnectionRefusedError, ConnectionRefusedError,
                             DownloadConnectionRefusedError)) or "refused" in names:
            return "refused"
        if isinstance(item, (DNSLookupError, CannotResolveHostError)) or "dns" in names or "name or service not known" in names \
                or "name_not_resolved" in names:
            return "dns"
        if "ssl" in names or "tls" in names or "certificate" in names or "err_cert_" in names:
            return "tls"
        if isinstance(item, ResponseDataLossError) or "dataloss" in names or "data loss" in names \
                or "content_length_mismatch" in names or "incomplete_chunked_encoding" in names:
            return "truncated"
        if isinstance(item, DownloadCancelledError) or "larger than download max size" in names:
            return "too_large"
        if isinstance(item, (gzip.BadGzipFile, zlib.error, EOFError)) or "brotli" in names or "zstd" in names:
            return "undecodable"
        if isinstance(item, (builtins.ConnectionResetError, ConnectionLost, ConnectionDone)) or "reset" in names \
                or "connection was closed" in names or "connectionlost" in names \
                or "err_empty_response" in names or "err_connection_closed" in names:
            return "reset"
    return "connection"
