"""JSON API responses → a guide record, through a profile's field mapping (values, no code).

Paths: ``AUDIT_ITEM.TASK_NAME``, ``AUDIT_CATALOG_LOBBY[0].ADDRESS``, ``list[*].name`` (every
element). A field spec is one of:

- a path: the value there (absent or null → None);
- ``{template: "{A.X}({A.Y})", when: A.X}``: the template filled, applied only when the
  ``when`` value is neither null nor "";
- ``{join: "list[*].name", sep: "\\n"}``: the non-empty values joined;
- a list of the above: the first that applies (a path applies when its value is neither null
  nor "", except the last alternative, which always stands).

A path starting with ``@`` is read from the whole document, not from the record root.
"""

from __future__ import annotations

import json
import re
from string import Formatter
from typing import Any
from urllib.parse import urljoin

from guideaudit.record import FormLink, GuideRecord, Material, Step

from ..profiles import ItemsSpec, LinkSpec, RecordMap

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")
_MISSING = object()


def resolve(data: Any, path: str) -> Any:
    """The value at ``path`` (a list when it has [*]); _MISSING when absent."""
    current: list[Any] = [data]
    wildcard = False
    for name, index in _TOKEN.findall(path):
        nxt: list[Any] = []
        for value in current:
            if name:
                if isinstance(value, dict) and name in value:
                    nxt.append(value[name])
            elif index == "*":
                wildcard = True
                if isinstance(value, list):
                    nxt.extend(value)
            elif isinstance(value, list) and int(index) < len(value):
                nxt.append(value[int(index)])
        current = nxt
    if wildcard:
        return current
    return current[0] if current else _MISSING


def _scalar(value: Any) -> Any:
    if value is _MISSING or value is None:
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "\n".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


class Mapper:
    def __init__(self, spec: RecordMap, document: Any, base_url: str) -> None:
        self.spec = spec
        self.document = document
        self.root = resolve(document, spec.root) if spec.root else document
        self.base_url = base_url
        self.placeholders = 0  # values found to be hand-edited placeholders (absent, not empty)

    def get(self, path: str, scope: Any = None) -> Any:
        if path.startswith("@"):
            value = resolve(self.document, path[1:])
        else:
            value = resolve(self.root if scope is None else scope, path)
        if (
            self.spec.placeholders_equal_key
            and isinstance(value, str)
            and value.startswith(re.split(r"[.\]]", path.rstrip("]"))[-1].split("[")[0])
        ):
            self.placeholders += 1
            return _MISSING  # a hand-edited placeholder (the key's own name): absent
        return value

    def value(self, spec: Any, scope: Any = None) -> Any:
        alternatives = spec if isinstance(spec, list) else [spec]
        for n, alt in enumerate(alternatives):
            last = n == len(alternatives) - 1
            if isinstance(alt, str):
                got = _scalar(self.get(alt, scope))
                # An earlier alternative gives way when null or empty; the last one stands.
                if last or got not in (None, ""):
                    return got
            elif isinstance(alt, dict) and "template" in alt:
                when = alt.get("when")
                if when is not None:
                    cond = _scalar(self.get(when, scope))
                    if cond is None or cond == "":
                        if last:
                            return None
                        continue
                return self._fill(alt["template"], scope)
            elif isinstance(alt, dict) and "join" in alt:
                got = self.get(alt["join"], scope)
                if got is _MISSING or got is None:
                    if last:
                        return None
                    continue
                items = got if isinstance(got, list) else [got]
                texts = [str(_scalar(v)) for v in items if _scalar(v) not in (None, "")]
                return alt.get("sep", "\n").join(texts)
            else:
                raise ValueError(f"无法理解的字段映射：{alt!r}")
        return None

    def _fill(self, template: str, scope: Any) -> str:
        out = []
        for literal, field_name, _, _ in Formatter().parse(template):
            out.append(literal)
            if field_name:
                got = _scalar(self.get(field_name, scope))
                out.append("" if got is None else str(got))
        return "".join(out)

    def link(self, spec: LinkSpec | None, scope: Any = None) -> FormLink | None:
        if spec is None:
            return None
        obj = self.get(spec.path, scope)
        if not isinstance(obj, dict):
            return None
        if spec.url_template:
            url = self._fill(spec.url_template, obj)
        else:
            url = _scalar(self.get(spec.url, obj)) if spec.url else None
        if not url:
            return None
        name = _scalar(self.get(spec.name, obj)) if spec.name else None
        # Protocol-relative (//static…) and relative paths resolve against the API's URL.
        return FormLink(url=urljoin(self.base_url, str(url).strip()), name=name)

    def items(self, spec: ItemsSpec | None) -> list[dict[str, Any]] | None:
        if spec is None:
            return None
        got = self.get(spec.items)
        if got is _MISSING or got is None:
            return None
        rows = got if isinstance(got, list) else [got]
        out: list[dict[str, Any]] = []
        seen: set[Any] = set()

        def add(row: Any) -> None:
            if not isinstance(row, dict):
                return
            kids = row.get(spec.children) if spec.children else None
            if isinstance(kids, list) and kids:
                for kid in kids:
                    add(kid)
                return
            key = row.get(spec.unique) if spec.unique else None
            if key is not None:
                if key in seen:
                    return
                seen.add(key)
            out.append(row)

        for row in rows:
            add(row)
        return out


def map_record(
    spec: RecordMap,
    document: Any,
    *,
    api_url: str,
    url: str | None,
    portal: str | None,
    fetched_at: str | None = None,
    uncaptured: tuple[str, ...] = (),
) -> GuideRecord:
    """One record from an API response. ``uncaptured`` is the profile's capture gaps; to them
    this record adds fields whose value was a placeholder and what a failed detail part carries."""
    m = Mapper(spec, document, api_url)
    gaps = set(uncaptured)
    values: dict[str, Any] = {}
    for name, f in spec.fields.items():
        before = m.placeholders
        values[name] = m.value(f)
        if values[name] is None and m.placeholders > before:
            gaps.add(name)  # the value was replaced by a placeholder: not captured
    # A detail part that did not come back as JSON: what it carries is not captured (the
    # guide's fault it is not).
    failed = {name for name, part in document.items() if part is None} if isinstance(document, dict) else set()
    for name, items in (("materials", spec.materials), ("steps", spec.steps)):
        if items is not None and _from_part(items.items) in failed:
            gaps.add(name)
    gaps.update(name for name, f in spec.fields.items() if values[name] is None and _parts_of(f) & failed)
    if spec.result_sample is not None:
        values["result_sample"] = m.link(spec.result_sample)
    rows = m.items(spec.materials)
    if rows is not None and spec.materials is not None:
        values["materials"] = [
            Material(
                **{k: m.value(f, row) for k, f in spec.materials.fields.items()},
                blank_form=m.link(spec.materials.blank_form, row),
                sample_form=m.link(spec.materials.sample_form, row),
            )
            for row in rows
        ]
    rows = m.items(spec.steps)
    if rows is not None and spec.steps is not None:
        values["steps"] = [Step(**{k: m.value(f, row) for k, f in spec.steps.fields.items()}) for row in rows]
    extra = {}
    for label, f in spec.extra.items():
        got = m.value(f)
        if got is not None:
            extra[label] = got
    return GuideRecord(url=url, portal=portal, fetched_at=fetched_at, extra=extra,
                       uncaptured=sorted(gaps), **values)


def _from_part(path: str) -> str | None:
    """The detail part a path reads ("@materials.data…" → "materials"); None for the root."""
    if not path.startswith("@"):
        return None
    return re.split(r"[.\[]", path[1:], maxsplit=1)[0]


def _parts_of(spec: Any) -> set[str]:
    alternatives = spec if isinstance(spec, list) else [spec]
    paths = []
    for alt in alternatives:
        if isinstance(alt, str):
            paths.append(alt)
        elif isinstance(alt, dict):
            paths.extend(v for k, v in alt.items() if k in ("when", "join") and isinstance(v, str))
    return {p for p in map(_from_part, paths) if p}
