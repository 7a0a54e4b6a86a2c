"""The canonical guide record: one published service guide, as the portal showed it.

Every value is the published text, untouched (checkers parse it, evidence quotes it).
``None`` means the portal showed no such field; ``""`` means the label was there, empty.
Field names are a contract with other tools: do not rename them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

RECORD_SUFFIXES = (".json", ".jsonl", ".ndjson")


def _scalar_text(value: Any) -> Any:
    """Portals publish the same field as a string in one response and a number in the next;
    numbers and booleans are kept as their text so the record stays text-only."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return value


Text = Annotated[str | None, BeforeValidator(_scalar_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class FormLink(_Strict):
    """A downloadable file (空表, 样表, 结果样本). The check fields are filled once fetched."""

    url: Text = None
    name: Text = None
    status: int | None = None  # final HTTP status
    content_type: Text = None  # as the server declared it
    bytes: int | None = None  # size actually received (capped)
    kind: Text = None  # sniffed from the bytes: doc, docx, xls, xlsx, pdf, wps, ofd, zip, image, html, empty, unknown
    sha256: Text = None  # of the received bytes, so one file offered as both 空表 and 样表 shows
    error: Text = None  # why the fetch did not complete: timeout, too_large, dns, tls, …


class Step(_Strict):
    name: Text = None
    limit: Text = None
    handler: Text = None
    criteria: Text = None


class Material(_Strict):
    name: Text = None
    source: Text = None
    originals: Text = None
    copies: Text = None
    medium: Text = None
    required: Text = None
    blank_form: FormLink | None = None
    sample_form: FormLink | None = None


class GuideRecord(_Strict):
    id: str = ""
    url: Text = None
    portal: Text = None
    fetched_at: Text = None
    item_name: Text = None
    item_type: Text = None
    basic_code: Text = None
    implementation_code: Text = None
    handling_item_code: Text = None
    agency: Text = None
    agency_code: Text = None
    level: Text = None
    case_type: Text = None
    statutory_limit: Text = None
    promised_limit: Text = None
    location: Text = None
    hours: Text = None
    consult: Text = None
    complaint: Text = None
    intermediary: Text = None
    special_steps: Text = None
    onsite_visits: Text = None
    onsite_reason: Text = None
    online_depth: Text = None
    online: Text = None
    express: Text = None
    appointment: Text = None
    fee: Text = None
    fee_basis: Text = None
    online_payment: Text = None
    legal_basis: Text = None
    conditions: Text = None
    result_name: Text = None
    result_sample: FormLink | None = None
    steps: list[Step] | None = None
    materials: list[Material] | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    # Fields (or sub-fields, "steps.handler") the source never captures: empty there does not
    # mean unpublished, so rules reading them give 待核实, never a defect. Set by the profile or
    # importer that made the record; see CAPTURE_PATHS.
    uncaptured: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _stable_id(self) -> GuideRecord:
        if not self.id:
            self.id = stable_id(self.handling_item_code, self.implementation_code, self.url, self.portal)
        unknown = [p for p in self.uncaptured if p not in CAPTURE_PATHS]
        if unknown:
            raise ValueError(f"uncaptured 中有未知的字段路径：{'、'.join(unknown)}")
        return self

    def content_hash(self) -> str:
        """Hash of what the portal published, ignoring when, from which host/port/scheme and
        with which session it was read, and how its attachments answered that day: an auditor's
        误报 holds while this holds."""
        return published_hash(self.model_dump(mode="json"))

    def captured(self, path: str) -> bool:
        """False when the source does not capture ``path`` (or the field it belongs to). A
        declared-uncaptured top-level field that holds a value on this record was captured
        after all (a profile's guessed key that the portal does send)."""
        if not self.uncaptured:
            return True
        head = path.split(".", 1)[0]
        if path not in self.uncaptured and head not in self.uncaptured:
            return True
        return "." not in path and getattr(self, path, None) is not None

    def to_json(self) -> str:
        from guideaudit.text import json_text

        return json_text(self.model_dump(mode="json"))


FIELD_NAMES: tuple[str, ...] = tuple(GuideRecord.model_fields)

# What a capture set may name: every published field, and the sub-fields of materials, steps
# and form links. Identity and bookkeeping fields are always there.
_NOT_CAPTURABLE = {"id", "url", "portal", "fetched_at", "extra", "uncaptured"}
CAPTURE_PATHS: frozenset[str] = frozenset(
    [f for f in GuideRecord.model_fields if f not in _NOT_CAPTURABLE]
    + [f"materials.{f}" for f in Material.model_fields]
    + [f"steps.{f}" for f in Step.model_fields]
    # the unit of a time limit, for scrapers that kept only the number
    + ["statutory_limit.unit", "promised_limit.unit"]
)


_FIELD_LABELS = {
    "item_name": "事项名称", "item_type": "事项类型", "basic_code": "基本编码",
    "implementation_code": "实施编码", "handling_item_code": "业务办理项编码", "agency": "实施主体",
    "agency_code": "实施主体编码", "level": "行使层级", "case_type": "办件类型",
    "statutory_limit": "法定办结时限", "promised_limit": "承诺办结时限", "location": "办理地点",
    "hours": "办理时间", "consult": "咨询方式", "complaint": "监督投诉方式", "intermediary": "中介服务",
    "special_steps": "特殊环节", "onsite_visits": "到办事现场次数", "onsite_reason": "必须现场办理原因",
    "online_depth": "网办深度", "online": "是否网办", "express": "物流快递", "appointment": "预约办理",
    "fee": "是否收费", "fee_basis": "收费依据", "online_payment": "网上支付", "legal_basis": "设定依据",
    "conditions": "受理条件", "result_name": "审批结果名称", "result_sample": "审批结果样本",
    "steps": "办理流程", "materials": "申请材料",
    "materials.name": "材料名称", "materials.source": "材料来源", "materials.originals": "原件份数",
    "materials.copies": "复印件份数", "materials.medium": "材料介质", "materials.required": "材料必要性",
    "materials.blank_form": "空表", "materials.sample_form": "样表",
    "steps.name": "环节名称", "steps.limit": "环节时限", "steps.handler": "承办岗位", "steps.criteria": "审查标准",
    "statutory_limit.unit": "法定办结时限的单位", "promised_limit.unit": "承诺办结时限的单位",
}


def field_label(path: str) -> str:
    """The Chinese name of a record field or capture path."""
    return _FIELD_LABELS.get(path, path)


# Query parameters that carry a session or a cache-buster, not content.
_SESSION_PARAMS = re.compile(r"^(?:jsessionid|sessionid|sid|token|access_token|_t|t|ts|timestamp|_|rnd|random|v)$", re.I)
_FETCH_RESULTS = ("status", "content_type", "bytes", "kind", "sha256", "error")


def _link_path(url: Any) -> Any:
    """An attachment link as published: path and query, without origin or session tokens."""
    if not isinstance(url, str) or not url:
        return url
    parts = urlsplit(url.strip())
    path = re.sub(r";jsessionid=[^/?#]*", "", parts.path, flags=re.I)
    query = "&".join(
        p for p in parts.query.split("&") if p and not _SESSION_PARAMS.match(p.split("=", 1)[0])
    )
    return path + ("?" + query if query else "")


def _published_link(link: Any) -> Any:
    if not isinstance(link, dict):
        return link
    out = {k: v for k, v in link.items() if k not in _FETCH_RESULTS}
    out["url"] = _link_path(out.get("url"))
    return out


def published_hash(data: dict[str, Any]) -> str:
    """GuideRecord.content_hash from a record's JSON dump."""
    data = {k: v for k, v in data.items() if k not in ("fetched_at", "url") and not (k == "uncaptured" and not v)}
    if "result_sample" in data:
        data["result_sample"] = _published_link(data["result_sample"])
    if data.get("materials"):
        data["materials"] = [
            {**m, "blank_form": _published_link(m.get("blank_form")), "sample_form": _published_link(m.get("sample_form"))}
            for m in data["materials"]
        ]
    blob = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def content_json(data: dict[str, Any]) -> str:
    """The canonical text a stored version is keyed on, from a record's JSON dump: everything
    but fetched_at (an empty capture set left out, so records of sources that capture everything
    key as they always did). Two sweeps reading the same text from another port store two
    versions of one published content (published_hash)."""
    data = {k: v for k, v in data.items() if k != "fetched_at" and not (k == "uncaptured" and not v)}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def stable_id(
    handling_item_code: str | None, implementation_code: str | None, url: str | None, portal: str | None = None
) -> str:
    """业务办理项编码, else 实施编码, else a hash of the portal's name and the page's path and
    query (session tokens left out): not its origin, so a guide keeps its id, its history and its
    reviews when the portal's host, port or scheme changes."""
    for code in (handling_item_code, implementation_code):
        if code and code.strip():
            return code.strip()
    if url and url.strip():
        key = f"{(portal or '').strip()}|{_link_path(url)}"
        return "url-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    raise ValueError("记录缺少 id：需要 handling_item_code、implementation_code 或 url 之一")


def defect_id(guide_id: str, rule: str, locus: str = "") -> str:
    """A defect's id: stable across sweeps while the defect persists (guide, rule, locus only).
    Defined here, at the bottom, so the store can re-key rows when a guide's id changes."""
    return hashlib.sha1(f"{guide_id}|{rule}|{locus}".encode()).hexdigest()[:16]


class RecordError(ValueError):
    """A record that breaks the canonical shape; names the file, line and field."""

    def __init__(
        self, source: str, line: int | None, field: str | None, problem: str, unit: str = "行"
    ):
        self.source, self.line, self.field, self.problem = source, line, field, problem
        # "条" when the position is the index in a JSON array rather than a line number.
        where = source + (f" 第{line}{unit}" if line else "")
        what = f" 字段 {field}" if field else ""
        super().__init__(f"{where}{what}：{problem}")


def _nearest_field(name: str) -> str | None:
    from rapidfuzz import process

    match = process.extractOne(name, FIELD_NAMES, score_cutoff=70)
    return match[0] if match else None


def _explain(err: ValidationError) -> tuple[str, str]:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or None
    kind = first["type"]
    if kind == "extra_forbidden":
        leaf = str(first["loc"][-1])
        hint = _nearest_field(leaf) if len(first["loc"]) == 1 else None
        msg = "不是规范记录的字段（未映射的标签请放入 extra）"
        if hint:
            msg += f"；是否应为 {hint}？"
        return loc or leaf, msg
    if kind in ("string_type", "str_type"):
        return loc, f"应为文本或 null，实际为 {type(first.get('input')).__name__}"
    if kind in ("list_type",):
        return loc, "应为列表或 null"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, "应为对象（JSON object）或 null"
    if kind == "int_type" or kind.startswith("int_"):
        return loc, "应为整数或 null"
    if kind == "value_error" and "error" in first.get("ctx", {}):
        return loc, str(first["ctx"]["error"])
    return loc, first.get("msg", kind)


def parse_record(
    data: Any, source: str = "<input>", line: int | None = None, unit: str = "行"
) -> GuideRecord:
    """Validate one decoded JSON value as a guide record, or raise RecordError."""
    if not isinstance(data, dict):
        raise RecordError(source, line, None, f"应为 JSON 对象，实际为 {type(data).__name__}", unit)
    try:
        return GuideRecord.model_validate(data)
    except ValidationError as err:
        field, problem = _explain(err)
        if field is None and "id" in str(err):
            field = "id"
        raise RecordError(source, line, field, problem, unit) from None


def _iter_file(path: Path) -> Iterator[tuple[Any, int | None, str]]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise RecordError(source, None, None, f"不是 UTF-8 编码（第 {err.start} 字节）") from None
    except OSError as err:
        raise RecordError(source, None, None, f"无法读取：{err.strerror}") from None
    if path.suffix in (".jsonl", ".ndjson"):
        from guideaudit.text import jsonl_lines

        for number, raw in enumerate(jsonl_lines(text), start=1):
            if not raw.strip():
                continue
            try:
                yield json.loads(raw), number, "行"
            except json.JSONDecodeError as err:
                raise RecordError(source, number, None, f"不是合法的 JSON：{err.msg}（第 {err.colno} 列）") from None
            except RecursionError:
                raise RecordError(source, number, None, "JSON 嵌套层次过深，不是指南记录") from None
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise RecordError(source, err.lineno, None, f"不是合法的 JSON：{err.msg}（第 {err.colno} 列）") from None
    except RecursionError:
        raise RecordError(source, None, None, "JSON 嵌套层次过深，不是指南记录") from None
    if isinstance(data, list):
        # A JSON array: report the element's index as its "line" so the user can find it.
        for index, item in enumerate(data, start=1):
            yield item, index, "条"
    else:
        yield data, None, "行"


def record_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders (recursively) into record files, in a stable order."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in RECORD_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise RecordError(str(path), None, None, "文件或文件夹不存在")
    return files


def load_records(paths: Iterable[str | Path]) -> Iterator[GuideRecord]:
    """Stream records from JSON files (an object or an array), JSONL files, or folders.

    The first record that breaks the shape raises RecordError naming file, line and field.
    """
    for path in record_files(paths):
        for data, line, unit in _iter_file(path):
            yield parse_record(data, str(path), line, unit)
