"""What the CLI prints passes through guideaudit.text.safe_terminal: portal text never reaches a
terminal (or a log someone tails) with escape sequences or control characters in it.

Three paths, one function:
- plain writes (print, progress lines, errors, csv/jsonl sent to the screen): sys.stdout and
  sys.stderr are wrapped for the duration of a command (``safe_streams``);
- log lines (a sweep's log, echoed or tailed): every LogRecord's message is cleaned when it
  is formatted (``safe_log_records``), so building records that are never printed costs nothing;
- rich tables and progress bars: ``console()`` cleans the text of every segment it renders,
  after layout, leaving rich's own styling codes alone; markup is off, so a portal's "[/]"
  neither styles nor breaks the table.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from guideaudit.text import safe_terminal


class SafeStream:
    """A text stream that cleans every write; everything else is the wrapped stream's."""

    def __init__(self, raw: IO[str]) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(safe_terminal(text))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def unwrapped(stream: IO[str]) -> IO[str]:
    return stream.raw if isinstance(stream, SafeStream) else stream


@contextmanager
def safe_streams() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(unwrapped(sys.stdout)), SafeStream(unwrapped(sys.stderr))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


class _SafeRecord(logging.LogRecord):
    def getMessage(self) -> str:  # noqa: N802 - logging's name
        return safe_terminal(super().getMessage())


def safe_log_records() -> None:
    """Clean the message of every log record from now on (idempotent)."""
    if logging.getLogRecordFactory() is not _SafeRecord:
        logging.setLogRecordFactory(_SafeRecord)


def console(file: IO[str] | None = None, stderr: bool = False, **kwargs: Any):
    """The rich Console every command uses; see the module's docstring."""
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        def _render_buffer(self, buffer) -> str:
            return super()._render_buffer(
                Segment(safe_terminal(text), style, control) if control is None else Segment(text, style, control)
                for text, style, control in buffer
            )

    target = file if file is not None else (sys.stderr if stderr else sys.stdout)
    options = {"markup": False, "emoji": False, "highlight": False, **kwargs}
    return SafeConsole(file=unwrapped(target), **options)
