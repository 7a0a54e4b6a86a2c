"""Label → record field, through the synonym table in crawler/labels.yaml."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from guideaudit.record import FIELD_NAMES, Material, Step

# Numbering and decoration around labels: "1.", "（一）", "*", "【", "】", colons.
_DECOR = re.compile(r"^(?:[\s*★·•\-]+|\(?[一二三四五六七八九十\d]{1,3}[)、.]\s*)+")
_STRIP = re.compile(r"[\s:：*＊【】\[\]]+")
MAX_LABEL_CHARS = 24
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


class LabelTable:
    """One synonym table (record fields, material columns or step columns)."""

    def __init__(
        self, synonyms: dict[str, list[str]], cutoff: float, no_fuzzy_suffixes: tuple[str, ...] = ()
    ) -> None:
        self.cutoff = cutoff
        self.no_fuzzy_suffixes = tuple(no_fuzzy_suffixes)
        self.exact: dict[str, str] = {}
        for field, words in synonyms.items():
            for word in [field, *words]:
                self.exact.setdefault(normalise_label(word), field)
        self._choices = list(self.exact)
        self._exact_memo: dict[str, str | None] = {}

    def exact_field(self, label: str) -> str | None:
        try:
            return self._exact_memo[label]
        except KeyError:
            pass
        hit = self.exact.get(_normalised(label))
        if len(self._exact_memo) < 65536:  # labels and short values of a crawl: bounded
            self._exact_memo[label] = hit
        return hit

    @lru_cache(maxsize=4096)  # noqa: B019 - tables live for the process
    def field(self, label: str) -> str | None:
        key = _normalised(label)
        if not key or len(key) > MAX_LABEL_CHARS:
            return None
        hit = self.exact.get(key)
        if (
            hit
            or not re.search(r"[\u4e00-\u9fff]", key)
            or key.endswith(self.no_fuzzy_suffixes)
            or key.startswith(_VALUE_STARTS)
        ):
            return hit
        from rapidfuzz import fuzz, process

        match = process.extractOne(key, self._choices, scorer=fuzz.ratio, score_cutoff=self.cutoff)
        return self.exact[match[0]] if match else None


class Labels:
    def __init__(self, data: dict[str, Any], source: str = "labels.yaml") -> None:
        cutoff = float(data.get("fuzzy_cutoff", 82))
        fields = data.get("fields") or {}
        unknown = set(fields) - set(FIELD_NAMES)
        if unknown:
            raise ValueError(f"{source}：fields 中的 {sorted(unknown)} 不是规范记录的字段")
        for section, model in (("materials", Material), ("steps", Step)):
            bad = set(data.get(section) or {}) - set(model.model_fields)
            if bad:
                raise ValueError(f"{source}：{section} 中的 {sorted(bad)} 不是 {model.__name__} 的字段")
        suffixes = tuple(data.get("no_fuzzy_suffixes") or ())
        self.fields = LabelTable(fields, cutoff, suffixes)
        self.materials = LabelTable(data.get("materials") or {}, cutoff)
        self.steps = LabelTable(data.get("steps") or {}, cutoff)


@lru_cache(maxsize=1)
def default_labels() -> Labels:
    text = resources.files("guideaudit.crawler").joinpath("labels.yaml").read_text("utf-8")
    return Labels(yaml.safe_load(text))
