"""Portal profiles: one small YAML file of values per portal, no code.

A profile names its family (``html``: server-rendered label/value pages read by the generic
extractor; ``api``: a JSON list endpoint plus detail endpoints mapped field by field; ``js``:
pages rendered in headless Chromium, then the generic extractor) and the values that family
needs. ``load_profile(name_or_path)`` validates a file and names the file and key on error.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ProfileError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListPages(_Strict):
    """List endpoints walked page by page (HTML fragments or pages)."""

    url: str  # relative to base_url; "{page}" is the page number
    first_page: int = 1
    until_empty: bool = True  # stop at the first page that yields no new link


class ListMarkers(_Strict):
    """Change markers on HTML list pages (CSS selectors, parsel syntax): each ``item`` of a list
    page holds a guide ``link`` and its ``marker`` (an update time or version)."""

    item: str  # e.g. "ul.item-list > li"
    link: str  # inside the item, e.g. "a::attr(href)"
    marker: str  # inside the item, e.g. "span.updated::text"


class ApiList(_Strict):
    url: str
    method: Literal["GET", "POST"] = "POST"
    body: dict[str, Any] = Field(default_factory=dict)
    body_format: Literal["json", "form"] = "json"
    page_key: str  # the body/query key of the page number
    page_size_key: str | None = None
    page_size: int = 100
    first_page: int = 1
    items: str  # path of the item list in the response
    id: str  # path of the guide key inside one item
    total: str | None = None  # path of the total count (entries, duplicates included)
    # path of an entry's change marker (an update time or version): an incremental sweep does
    # not request the detail of an entry whose marker is the one the base sweep saw
    marker: str | None = None
    # paths, inside one item, of the guide's name and unit: kept in the sweep ledger, so a guide
    # that could not be read is still named in the report (抓取情况)
    name: str | None = None
    agency: str | None = None


class ApiDetail(_Strict):
    url: str  # "{id}" is the list item's key
    requests: dict[str, str] = Field(default_factory=dict)  # more endpoints, name → url
    status_path: str | None = None  # e.g. errCode / code
    status_ok: list[Any] = Field(default_factory=lambda: [0, "0"])
    message_path: str | None = None
    not_found_messages: list[str] = Field(default_factory=list)
    require: str | None = None  # a path that must be non-null for a guide


class LinkSpec(_Strict):
    path: str  # the attachment object, relative to the item
    url: str | None = None  # path of its URL inside the object
    url_template: str | None = None  # or a template over the object's keys
    name: str | None = None


class ItemsSpec(_Strict):
    items: str
    unique: str | None = None
    children: str | None = None
    fields: dict[str, Any]
    blank_form: LinkSpec | None = None
    sample_form: LinkSpec | None = None


class RecordMap(_Strict):
    root: str | None = None
    fields: dict[str, Any]
    result_sample: LinkSpec | None = None
    materials: ItemsSpec | None = None
    steps: ItemsSpec | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    placeholders_equal_key: bool = False


class ApiSpec(_Strict):
    list: ApiList
    detail: ApiDetail
    page_url: str  # the record url: "{base}" and "{id}"
    record: RecordMap


class Profile(_Strict):
    name: str
    title: str
    family: Literal["html", "api", "js"]
    verified_live: bool = False
    note: str = ""
    base_url: str | None = None  # None: given at run time (fixture portals)
    start_paths: list[str] = Field(default_factory=list)
    list_pages: ListPages | None = None
    link_regex: str | None = None  # links hidden in scripts: onclick="bszn('…')"
    link_template: str | None = None  # "{0}" is the regex group
    list_markers: ListMarkers | None = None  # html family: change markers next to list links
    follow_links: bool = True
    wait_for: str | None = None  # JS family: CSS selector present once rendered
    encoding: str | None = None
    min_fields: int = 5
    api: ApiSpec | None = None
    extends: str | None = None  # a vendor base profile whose keys this file overrides
    # What the portal's pages or API never carry (capture paths, see record.CAPTURE_PATHS).
    # For the api family the unmapped fields are added automatically; ``captures`` names
    # fields that are published although unmapped (none by default).
    uncaptured: list[str] = Field(default_factory=list)
    captures: list[str] = Field(default_factory=list)

    def capture_gaps(self) -> tuple[str, ...]:
        """Every capture path this profile's records cannot show, sorted."""
        gaps = set(self.uncaptured)
        if self.api is not None:
            gaps |= unmapped(self.api.record)
        return tuple(sorted(gaps - set(self.captures)))


def unmapped(spec: RecordMap) -> set[str]:
    """Capture paths a JSON mapping never fills: what it does not map it cannot show."""
    from guideaudit.record import CAPTURE_PATHS

    mapped = set(spec.fields)
    if spec.result_sample is not None:
        mapped.add("result_sample")
    for name, items in (("materials", spec.materials), ("steps", spec.steps)):
        if items is None:
            continue
        mapped.add(name)
        mapped.update(f"{name}.{k}" for k in items.fields)
        for link in ("blank_form", "sample_form"):
            if getattr(items, link, None) is not None:
                mapped.add(f"{name}.{link}")
    mapped.update(f"{f}.unit" for f in ("statutory_limit", "promised_limit") if f in mapped)
    gaps = set()
    for path in CAPTURE_PATHS:
        head = path.split(".", 1)[0]
        if path in mapped:
            continue
        if "." in path and head not in mapped:
            continue  # covered by its uncaptured parent
        gaps.add(path)
    return gaps


def _profile_dir():
    return resources.files("guideaudit.crawler").joinpath("profiles")


def profile_names(include_bases: bool = False) -> list[str]:
    """Bundled profiles; vendor bases (``abstract: true``, under ``_`` names) only on request."""
    names = sorted(p.name[:-5] for p in _profile_dir().iterdir() if p.name.endswith(".yaml"))
    return names if include_bases else [n for n in names if not n.startswith("_")]


def _merge(base: dict, over: dict) -> dict:
    """``over`` on top of ``base``: mappings merge key by key, anything else is replaced, and a
    key set to null (``~``) is removed: a portal whose API lacks a key the vendor base maps."""
    out = dict(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _resolve_extends(data: dict, source: str, seen: tuple[str, ...] = ()) -> dict:
    base_name = data.get("extends")
    if not base_name:
        return data
    if not isinstance(base_name, str):
        raise ProfileError(f"{source}：字段 extends：应为门户配置名称（文本）")
    if base_name in seen:
        raise ProfileError(f"{source}：字段 extends：循环继承（{' → '.join((*seen, base_name))}）")
    resource = _profile_dir().joinpath(f"{base_name}.yaml")
    if not resource.is_file():
        raise ProfileError(f"{source}：字段 extends：没有名为 {base_name} 的门户配置；可用：{', '.join(profile_names(True))}")
    base = yaml.safe_load(resource.read_text("utf-8"))
    if not isinstance(base, dict):
        raise ProfileError(f"profiles/{base_name}.yaml：应为 YAML 映射（键: 值）")
    base = _resolve_extends(base, f"profiles/{base_name}.yaml", (*seen, base_name))
    merged = _merge({k: v for k, v in base.items() if k not in ("abstract",)}, data)
    merged["extends"] = base_name
    return merged


def _validate(data: Any, source: str) -> Profile:
    if not isinstance(data, dict):
        raise ProfileError(f"{source}：应为 YAML 映射（键: 值）")
    if data.get("abstract"):
        raise ProfileError(f"{source}：这是供 extends 继承的厂商基础配置，不能直接抓取")
    data = _resolve_extends(data, source)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ProfileError(f"{source}：字段 {loc}：{first['msg']}") from None
    if profile.family == "api" and profile.api is None:
        raise ProfileError(f"{source}：family 为 api 的配置需要 api 段")
    if profile.family != "api" and not (profile.start_paths or profile.list_pages):
        raise ProfileError(f"{source}：需要 start_paths 或 list_pages")
    from guideaudit.record import CAPTURE_PATHS

    for key in ("uncaptured", "captures"):
        bad = [p for p in getattr(profile, key) if p not in CAPTURE_PATHS]
        if bad:
            raise ProfileError(
                f"{source}：字段 {key}：未知的记录字段 {'、'.join(bad)}（可用：{'、'.join(sorted(CAPTURE_PATHS))}）"
            )
    return profile


def load_profile_file(path: str | Path) -> Profile:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text("utf-8-sig"))
    except OSError as err:
        raise ProfileError(f"{path}：无法读取：{err.strerror}") from None
    except UnicodeDecodeError as err:
        raise ProfileError(f"{path}：不是 UTF-8 编码（第 {err.start} 字节）；请另存为 UTF-8") from None
    except RecursionError:
        raise ProfileError(f"{path}：嵌套层次过深，不是门户配置") from None
    except yaml.YAMLError as err:
        raise ProfileError(f"{path}：不是合法的 YAML：{err}") from None
    return _validate(data, str(path))


@lru_cache(maxsize=64)
def load_profile(name_or_path: str) -> Profile:
    """A bundled profile by name (fixture-html, guangdong, …) or a YAML file path."""
    if name_or_path.endswith((".yaml", ".yml")) or "/" in name_or_path:
        return load_profile_file(name_or_path)
    resource = _profile_dir().joinpath(f"{name_or_path}.yaml")
    if not resource.is_file():
        raise ProfileError(f"没有名为 {name_or_path} 的门户配置；可用：{', '.join(profile_names())}")
    return _validate(yaml.safe_load(resource.read_text("utf-8")), f"profiles/{name_or_path}.yaml")
