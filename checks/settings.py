"""Every judgement call of the checks, as a setting (defaults are what an experienced auditor
would apply to a 广东-style guide). Loadable from a YAML or JSON file; unknown keys are refused."""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SettingsError(ValueError):
    """A settings file that cannot be used; the message names the file and the key."""


class CheckSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # E1-1 / E1-2 time limits
    licence_item_types: tuple[str, ...] = ("行政许可",)
    statutory_none_words: tuple[str, ...] = (
        "无", "暂无", "无法定时限", "无法定办结时限", "法律法规未规定", "法律法规无规定",
        "无规定", "未规定", "不涉及", "无时限",
    )
    immediate_words: tuple[str, ...] = (
        "即办", "即时办结", "当场办结", "立即办结", "当场办理", "即时办理", "当即办结", "即时", "立即", "当场",
    )
    # Months and years are explicit units (statutes say "3个月"); set False to require 工作日/自然日.
    accept_month_units: bool = True
    # 5/7: calendar days → working days for comparisons and means (documented approximation).
    workday_ratio: float = 5 / 7
    # With a reference date, 自然日 ↔ 工作日 uses the real calendar (chinese_calendar, then Mon–Fri).
    reference_date: dt.date | None = None

    # E1-3 address
    # lenient: a house number need not follow a street word, and 村/镇/工业园… count as streets.
    lenient_address: bool = False
    no_offline_phrases: tuple[str, ...] = (
        "无线下办理窗口", "无线下办理", "无线下窗口", "不设线下窗口", "无需到现场办理", "全程网上办理",
    )

    # E1-4 hours
    vague_hours_words: tuple[str, ...] = (
        "工作时间", "上班时间", "法定工作日", "办公时间", "正常工作日", "工作日时间", "正常上班",
    )

    # E1-5 consult
    hotline_numbers: tuple[str, ...] = ("12345",)
    hotline_only_error: bool = False

    # E3-1 steps: stage → words a step name may contain
    stage_words: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: {
            "受理": ("受理", "收件", "接件", "申请", "提交", "收取"),
            "审查": ("审查", "审核", "核查", "初审", "复审", "审验", "核实", "评审", "勘查"),
            "决定": ("决定", "审批", "批准", "核准", "审定", "签发", "许可", "认定", "核定"),
            "办结": ("办结", "送达", "发证", "颁证", "出证", "制证", "领取", "公开", "发放", "反馈"),
        }
    )
    immediate_stages: tuple[str, ...] = ("受理", "办结")

    # E4 forms and attachments
    # A material is a form (E4: needs a blank and a sample) when its name ends in one of these:
    # 申请表/登记表/…表, 申请书, 申报书, 承诺书 (告知承诺 needs the body's own text), 申请单/…单.
    form_suffixes: tuple[str, ...] = ("表", "申请书", "申报书", "承诺书", "登记表", "单", "书(样表)")
    # …but not documents someone else issues that merely end so (a hospital's 报告单 or 费用清单,
    # an insurer's 保单, a bank's 明细账单, a list of names), nor a material the guide says is
    # issued by another body (来源 政府部门核发, or "…出具的…" in its name). A link to a blank or
    # sample makes any material a form: the portal itself treats it as one.
    not_form_suffixes: tuple[str, ...] = (
        "清单", "名单", "保单", "保险单", "账单", "明细单", "报告单", "检验单", "化验单", "缴费单", "通知单",
        "发票", "收据",
    )
    issued_sources: tuple[str, ...] = ("政府部门核发", "核发")
    issued_name_words: tuple[str, ...] = ("出具的", "核发的", "核定的", "开具的")
    accepted_kinds: tuple[str, ...] = (
        "doc", "docx", "xls", "xlsx", "pdf", "wps", "et", "ofd", "zip", "rar", "image",
    )
    # Which fetch outcomes are the guide's fault is vocabulary, not a setting
    # (guideaudit.vocab.OUTCOMES): the others are 待核实.

    # Scope
    skip_elements: tuple[str, ...] = ()  # judged "na" by choice (uncaptured fields: record.uncaptured)
    skip_rules: tuple[str, ...] = ()
    severity_overrides: dict[str, Literal["error", "warning"]] = Field(default_factory=dict)

    def merged(self, **changes: Any) -> CheckSettings:
        """A copy with some values changed (validated like a file would be)."""
        return CheckSettings.model_validate({**self.model_dump(), **changes})


DEFAULT_SETTINGS = CheckSettings()

# A sweep's check settings file, by environment: the crawl, its store writer process and its
# extraction workers all check with the same settings (`guideaudit sweep --settings`, or
# `scrapy crawl … -s GUIDEAUDIT_CHECK_SETTINGS=FILE`).
SETTINGS_ENV = "GUIDEAUDIT_CHECK_SETTINGS"


def active_settings() -> CheckSettings:
    """The settings this process checks with: the file named by GUIDEAUDIT_CHECK_SETTINGS, or
    the defaults."""
    import os

    return _settings_file(os.environ.get(SETTINGS_ENV) or "")


@lru_cache(maxsize=8)
def _settings_file(path: str) -> CheckSettings:
    return load_settings(path) if path else DEFAULT_SETTINGS


def load_settings(path: str | Path) -> CheckSettings:
    """Read a YAML or JSON settings file; unknown keys and bad values name file and key."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise SettingsError(f"{source}：无法读取设置文件（{err.strerror}）") from None
    except UnicodeDecodeError as err:
        raise SettingsError(f"{source}：不是 UTF-8 编码的设置文件（第 {err.start} 字节）；应为 YAML 或 JSON 文本") from None
    try:
        if source.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as err:  # noqa: BLE001 - any parse error is bad input
        raise SettingsError(f"{source}：不是合法的 YAML/JSON（{err}）") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SettingsError(f"{source}：设置文件应为键值映射（mapping），实际为 {type(data).__name__}")
    try:
        settings = CheckSettings.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            known = "、".join(CheckSettings.model_fields)
            raise SettingsError(f"{source} 键 {key}：未知的设置项（可用：{known}）") from None
        raise SettingsError(f"{source} 键 {key}：{first['msg']}") from None
    _check_names(settings, source)
    return settings


def _check_names(settings: CheckSettings, source: Path) -> None:
    """Rule ids and element codes in a settings file must exist: a typo would silently do nothing."""
    from guideaudit.checks import rules as _rules  # noqa: F401 - registers every rule
    from guideaudit.checks.elements import ALL_CODES
    from guideaudit.checks.registry import RULES

    for key, names, known in (
        ("skip_rules", settings.skip_rules, RULES),
        ("severity_overrides", tuple(settings.severity_overrides), RULES),
        ("skip_elements", settings.skip_elements, ALL_CODES),
    ):
        unknown = [name for name in names if name not in known]
        if unknown:
            raise SettingsError(f"{source} 键 {key}：未知的{'规则' if known is RULES else '要素代码'}：{'、'.join(unknown)}")
