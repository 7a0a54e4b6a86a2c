"""Label → record field, through the synonym table in crawler/labels.yaml (and a user's own).

Matching: the normalised label (NFKC, no spaces, colons, stars or numbering) exactly, then
rapidfuzz ``ratio`` against every synonym with a cutoff. A user's YAML (``--labels``) adds
synonyms in the same shape; its words are tried first and reported as ``user``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from guideaudit.record import FIELD_NAMES, Material, Step

# Numbering and decoration around labels: "1.", "（一）", "*", "【", "】", colons.
_DECOR = re.compile(r"^(?:[\s*★·•\-]+|\(?[一二三四五六七八九十\d]{1,3}[)、.]\s*)+")
_STRIP = re.compile(r"[\s:：*＊【】\[\]]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
MAX_LABEL_CHARS = 24
EXACT_MEMO_MAX = 8192  # texts whose exact-synonym lookup a LabelTable keeps (exact_field)
# Published values, not labels: 无法定时限, 不收费, 否 … never match a label fuzzily.
_VALUE_STARTS = ("无", "不", "否", "是", "暂无", "没有")


def normalise_label(text: str) -> str:
    """The comparable form of a printed label: NFKC, no spaces, colons, stars or numbering."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _DECOR.sub("", text.strip(), count=1)
    return _STRIP.sub("", text)


@lru_cache(maxsize=16384)
def _normalised(text: str) -> str:
    return normalise_label(text)


# normalise_label, memoised: detectors ask it of the same cell texts again and again (is it short
# enough to be a label? does it map?), and a crawl's pages repeat their labels.
label_key = _normalised


class LabelTable:
    """One synonym table (record fields, material columns or step columns)."""

    def __init__(
        self, synonyms: dict[str, list[str]], cutoff: float, no_fuzzy_suffixes: tuple[str, ...] = (),
        user: dict[str, list[str]] | None = None,
    ) -> None:
        self.cutoff = cutoff
        self.no_fuzzy_suffixes = tuple(no_fuzzy_suffixes)
        self.exact: dict[str, str] = {}
        self.user: set[str] = set()
        for field, words in (user or {}).items():
            for word in words:
                key = normalise_label(word)
                if key:
                    self.exact[key] = field  # a user's word wins over the bundled table
                    self.user.add(key)
        for field, words in synonyms.items():
            for word in [field, *words]:
                self.exact.setdefault(normalise_label(word), field)
        self._choices = list(self.exact)
        # ratio ≥ cutoff needs len(short)/len(long) ≥ cutoff/(200-cutoff): only synonyms of a
        # near length can match, so fuzzy lookups compare against those alone.
        self._by_len: dict[int, list[str]] = {}
        for word in self._choices:
            self._by_len.setdefault(len(word), []).append(word)
        self._len_ratio = cutoff / (200 - cutoff) if cutoff < 200 else 1.0
        self._exact_memo: dict[str, str | None] = {}

    def exact_field(self, label: str) -> str | None:
        try:
            return self._exact_memo[label]
        except KeyError:
            pass
        hit = self.exact.get(_normalised(label))
        # Labels and short values of a crawl, kept as first met: labels repeat from the first
        # pages on, values rarely do. 8,192 fill within a few thousand pages, so the worker's
        # memory is flat from there (65,536 went on growing past 30,000 guides: scale bench).
        if len(self._exact_memo) < EXACT_MEMO_MAX:
            self._exact_memo[label] = hit
        return hit

    def field(self, label: str) -> str | None:
        return self.match(label)[0]

    def _near(self, key: str) -> list[str]:
        n = len(key)
        lo, hi = int(n * self._len_ratio), int(n / self._len_ratio) + 1 if self._len_ratio else n
        return [w for size in range(max(1, lo), hi + 1) for w in self._by_len.get(size, ())]

    @lru_cache(maxsize=8192)  # noqa: B019 - tables live for the process; bounded like the exact memo
    def match(self, label: str) -> tuple[str | None, float, str]:
        """(field, score 0–100, how: exact | user | fuzzy | "") for a printed label."""
        key = _normalised(label)
        if not key or len(key) > MAX_LABEL_CHARS:
            return None, 0.0, ""
        hit = self.exact.get(key)
        if hit:
            return hit, 100.0, "user" if key in self.user else "exact"
        if not _HAN.search(key) or key.endswith(self.no_fuzzy_suffixes) or key.startswith(_VALUE_STARTS):
            return None, 0.0, ""
        from rapidfuzz import fuzz, process

        found = process.extractOne(key, self._near(key), scorer=fuzz.ratio, score_cutoff=self.cutoff)
        if not found:
            return None, 0.0, ""
        return self.exact[found[0]], round(float(found[1]), 1), "fuzzy"

    def best_guess(self, label: str) -> tuple[str | None, float, str]:
        """The nearest synonym below the cutoff (for --explain / probe only, never a field)."""
        key = _normalised(label)
        if not key or not _HAN.search(key):
            return None, 0.0, ""
        from rapidfuzz import fuzz, process

        found = process.extractOne(key, self._choices, scorer=fuzz.ratio)
        return (self.exact[found[0]], round(float(found[1]), 1), found[0]) if found else (None, 0.0, "")


class Labels:
    def __init__(self, data: dict[str, Any], source: str = "labels.yaml", user: dict[str, Any] | None = None) -> None:
        cutoff = float(data.get("fuzzy_cutoff", 82))
        fields = data.get("fields") or {}
        _check(data, source)
        user = user or {}
        suffixes = tuple(data.get("no_fuzzy_suffixes") or ())
        self.fields = LabelTable(fields, cutoff, suffixes, user.get("fields"))
        self.materials = LabelTable(data.get("materials") or {}, cutoff, (), user.get("materials"))
        self.steps = LabelTable(data.get("steps") or {}, cutoff, (), user.get("steps"))
        self.sections = frozenset(normalise_label(w) for w in [*(data.get("sections") or ()), *(user.get("sections") or ())])
        self.source = source
        # field → the label a reader knows it by (its first synonym): for Chinese reports.
        self.names = {f: (words[0] if words else f) for f, words in fields.items()}
        self.names.update(materials="申请材料", steps="办理流程")

    def section_word(self, text: str) -> bool:
        return _normalised(text) in self.sections


def _check(data: Any, source: str) -> None:
    """Chinese errors naming the file and the key: a labels file is a user's input."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}：应为 YAML 映射（fields: / materials: / steps: / sections:）")
    allowed = {"fuzzy_cutoff", "no_fuzzy_suffixes", "fields", "materials", "steps", "sections"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"{source}：未知的键 {sorted(unknown)}（可用：{', '.join(sorted(allowed))}）")
    for section, names in (("fields", FIELD_NAMES), ("materials", Material.model_fields), ("steps", Step.model_fields)):
        table = data.get(section) or {}
        if not isinstance(table, dict):
            raise ValueError(f"{source}：{section} 应为 字段: [标签, …] 的映射")
        bad = set(table) - set(names)
        if bad:
            what = "规范记录" if section == "fields" else ("Material" if section == "materials" else "Step")
            raise ValueError(f"{source}：{section} 中的 {sorted(bad)} 不是 {what} 的字段")
        for key, words in table.items():
            if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                raise ValueError(f"{source}：{section}.{key} 应为标签文字的列表")
    if "fuzzy_cutoff" in data:
        try:
            cutoff = float(data["fuzzy_cutoff"])
        except (TypeError, ValueError):
            raise ValueError(f"{source}：fuzzy_cutoff 应为 0–100 的数") from None
        if not 0 <= cutoff <= 100:
            raise ValueError(f"{source}：fuzzy_cutoff 应为 0–100 的数")


@lru_cache(maxsize=1)
def _bundled() -> dict[str, Any]:
    text = resources.files("guideaudit.crawler").joinpath("labels.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def default_labels() -> Labels:
    return Labels(_bundled())


@lru_cache(maxsize=8)
def load_labels(path: str | None) -> Labels:
    """The bundled table plus a user's synonyms file (``--labels``); ValueError in Chinese."""
    if not path:
        return default_labels()
    file = Path(path)
    try:
        user = yaml.safe_load(file.read_text("utf-8")) or {}
    except FileNotFoundError:
        raise ValueError(f"{file}：标签文件不存在") from None
    except OSError as err:
        raise ValueError(f"{file}：无法读取标签文件：{err.strerror}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{file}：标签文件不是 UTF-8 文本") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise ValueError(f"{file}：{where}不是合法的 YAML") from None
    _check(user, str(file))
    data = dict(_bundled())
    if "fuzzy_cutoff" in user:
        data["fuzzy_cutoff"] = user["fuzzy_cutoff"]
    return Labels(data, source=str(file), user=user)
