"""Reading an export file, shared by the importers: one Chinese error naming the file and what
the importer expected, for every way a file can fail to be JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from guideaudit.record import RecordError


def read_json(source: Path, expected: str) -> Any:
    """The decoded JSON of ``source``; ``expected`` (Chinese) says what the file should be."""
    try:
        return json.loads(source.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise RecordError(str(source), None, None, f"无法读取：{err.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(str(source), None, None, f"不是合法的 JSON（{err}）：应为{expected}") from None
    except RecursionError:
        raise RecordError(str(source), None, None, f"JSON 嵌套层次过深：应为{expected}") from None
