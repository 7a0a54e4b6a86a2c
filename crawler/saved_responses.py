"""Saved 福建网上办事大厅 API responses (quqib/fujain_online_service config/test.json at several
commits) as guide records, through the ``fujian`` profile's own mapping: the importer behind
``guideaudit check --from fujian FILE…``.

A guide is spread over several responses: the detail (getMatterBasicInfo), its materials
(getMaterialList) and its flow (getFlowNode). Files are sorted by what they hold; a material or
flow response joins the detail of the same 事项 (its serviceid), or the only detail when it
names none. A part not among the files is not captured on that record (map_record adds its
fields). Other responses of the same portal (the list, FAQ, dictionaries, catalogue entries)
are not guides and are skipped; a file that is no 福建 response at all is an error.

It lives with the crawler because it runs the crawler's profile mapping; the checks only name
it (guideaudit.checks.importers.IMPORTERS).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from guideaudit.crawler.extract.jsonmap import map_record
from guideaudit.crawler.profiles import load_profile
from guideaudit.crawler.spiders.api import not_a_guide

from guideaudit.record import GuideRecord, RecordError

TITLE = "福建网上办事大厅接口响应（详情、材料、流程，经 fujian 门户配置映射）"
PROFILE = "fujian"
UNCAPTURED: tuple[str, ...] = load_profile(PROFILE).capture_gaps()

_DETAIL_URL = "https://zwfw.fujian.gov.cn:732/cms-business/apasService/getMatterBasicInfo?unid={id}&infoType=1"
_OTHER = {  # key in data → what the response is (skipped: not a guide)
    "serviceList": "事项列表", "childProblems": "常见问题", "catalogVos": "事项目录",
    "lawList": "设定依据与附件", "imgfile": "设定依据与附件",
}
_STEP_KEYS = ("nodeName", "limitcount", "handleRole", "handleUser")


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as err:
        raise RecordError(str(path), None, None, f"无法读取：{err.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(str(path), None, None, f"不是合法的 JSON（{err}）：应为福建网上办事大厅的接口响应") from None


def classify(body: Any) -> tuple[str, str | None]:
    """(kind, 事项 id) of one saved response: detail, materials, flow, or other:<what>."""
    if isinstance(body, dict) and "dirName" in body and "dirCode" in body:
        return "other:事项目录条目", None
    if not isinstance(body, dict) or "data" not in body or "code" not in body:
        return "unknown", None
    data = body["data"]
    if isinstance(data, dict):
        service = data.get("apasService")
        if isinstance(service, dict):
            return "detail", service.get("unid")
        if "directoryList" in data or "noDirectoryList" in data:
            for group in data.get("directoryList") or []:
                service_id = (group.get("materialClass") or {}).get("serviceid") if isinstance(group, dict) else None
                if service_id:
                    return "materials", service_id
            return "materials", None
        for key, what in _OTHER.items():
            if key in data:
                return f"other:{what}", None
    if isinstance(data, list):
        if data and all(isinstance(d, dict) and any(k in d for k in _STEP_KEYS) for d in data):
            return "flow", None
        if data and all(isinstance(d, dict) and "dict" in d for d in data):
            return "other:字典", None
    return "unknown", None


def load_files(paths: Iterable[str | Path]) -> Iterator[GuideRecord]:
    profile = load_profile(PROFILE)
    details: list[tuple[Path, dict[str, Any], str | None]] = []
    parts: list[tuple[Path, str, Any, str | None]] = []
    for raw in paths:
        path = Path(raw)
        body = _read(path)
        kind, unid = classify(body)
        if kind == "unknown":
            raise RecordError(
                str(path), None, None,
                "不是福建网上办事大厅的接口响应：应为 {code, data} 形式的 getMatterBasicInfo（详情）、"
                "getMaterialList（材料）或 getFlowNode（流程）响应",
            )
        if kind.startswith("other:"):
            print(f"跳过 {path}：{kind[6:]}响应，不是办事指南", file=sys.stderr)
        elif kind == "detail":
            why = not_a_guide(profile.api.detail, body)
            if why:
                raise RecordError(str(path), None, None, f"详情响应不是办事指南（{why}）")
            details.append((path, body, unid))
        else:
            parts.append((path, kind, body, unid))
    if not details:
        raise RecordError(", ".join(str(Path(p)) for p in paths) or "<无文件>", None, None,
                          "没有详情接口响应（getMatterBasicInfo）：福建的记录以详情响应为主，材料和流程响应附在其后")
    documents = [{"detail": body, "materials": None, "flow": None} for _, body, _ in details]
    for path, kind, body, unid in parts:
        matches = [i for i, (_, _, d_unid) in enumerate(details) if unid and unid == d_unid]
        if not matches and unid is None and len(details) == 1:
            matches = [0]
        if not matches:
            print(f"跳过 {path}：{'材料' if kind == 'materials' else '流程'}响应不属于给出的任何详情响应"
                  f"（事项 {unid or '未注明'}）", file=sys.stderr)
            continue
        documents[matches[0]][kind] = body
    for (path, _, unid), document in zip(details, documents, strict=True):
        api_url = _DETAIL_URL.format(id=unid or "")
        url = profile.api.page_url.format(id=unid) if profile.api.page_url and unid else api_url
        try:
            yield map_record(profile.api.record, document, api_url=api_url, url=url, portal=profile.name,
                             uncaptured=UNCAPTURED)
        except ValueError as err:
            raise RecordError(str(path), None, None, f"无法映射为指南记录：{err}") from None


def load(path: str | Path) -> Iterator[GuideRecord]:
    """One file on its own (a detail response; its materials and flow not captured)."""
    yield from load_files([path])
