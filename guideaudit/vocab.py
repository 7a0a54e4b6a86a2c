"""The project's vocabulary, defined once: element verdicts, severities, review statuses,
failure kinds and attachment outcomes, each with its one Chinese label.

Crawler, checks, store and reports import these names; none spells a verdict or a status
of its own. Values are the strings stored and written to machine-readable outputs, so they
never change; labels are what people read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NA = "na"
    # The facts the element needs were not captured or could not be verified: a person must
    # look. Never a defect, never a pass.
    INCOMPLETE = "incomplete"

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]


VERDICT_LABELS: dict[Verdict, str] = {
    Verdict.PASS: "通过",
    Verdict.FAIL: "不通过",
    Verdict.NA: "不适用",
    Verdict.INCOMPLETE: "待核实",
}
VERDICTS: tuple[str, ...] = tuple(v.value for v in Verdict)


class Severity(StrEnum):
    ERROR = "error"  # fails its element
    WARNING = "warning"  # reported, never fails an element

    @property
    def label(self) -> str:
        return SEVERITY_LABELS[self]


# 错误 fails its element, 提示 never does: the one pair of words in the CLI, csv, xlsx and HTML.
SEVERITY_LABELS: dict[str, str] = {Severity.ERROR.value: "错误", Severity.WARNING.value: "提示"}


def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, severity)
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)


class ReviewStatus(StrEnum):
    """An auditor's decision on one defect or one 待核实 element (stored as the Chinese word,
    which is also what the auditor picks in the xlsx)."""

    CONFIRMED = "确认"  # a defect stands; a 待核实 element becomes a fail
    DISMISSED = "误报"  # a defect is withdrawn; a 待核实 element becomes a pass
    FIXED = "已整改"  # the unit says it fixed the defect


REVIEW_STATUSES: tuple[str, ...] = tuple(s.value for s in ReviewStatus)


# A sweep's status, as stored, and its Chinese word.
SWEEP_STATUS_LABELS: dict[str, str] = {"running": "运行中", "complete": "完成", "incomplete": "未完成", "failed": "失败"}


class FailureKind(StrEnum):
    """Why a page of a sweep produced no checked guide."""

    FETCH = "fetch_failed"  # the page could not be fetched or was not a guide page
    RECORD_INVALID = "record_invalid"  # fetched, but the extracted record broke the canonical shape
    CHECKER_ERROR = "checker_error"  # a bug of ours while checking it

    @property
    def label(self) -> str:
        return FAILURE_LABELS[self]


FAILURE_LABELS: dict[FailureKind, str] = {
    FailureKind.FETCH: "无法获取",
    FailureKind.RECORD_INVALID: "记录无效",
    FailureKind.CHECKER_ERROR: "检查程序出错",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened when an attachment (空表, 样表, 结果样本) was fetched."""

    code: str
    label: str  # Chinese, for evidence and reasons
    guide_fault: bool  # True: the published link is broken; False: we could not verify it


_OUTCOMES = (
    # Our side or the network's: the link may well work for a citizen.
    Outcome("timeout", "下载超时", False),
    Outcome("dns", "域名无法解析", False),
    Outcome("tls", "TLS/证书错误", False),
    Outcome("connection_refused", "连接被拒绝", False),
    Outcome("connection", "连接失败", False),
    Outcome("forbidden_by_robots", "robots.txt 禁止抓取", False),
    Outcome("ignored", "请求被抓取程序跳过", False),
    Outcome("unavailable", "门户暂时不可用（重试后仍为 5xx/429）", False),
    Outcome("too_large", "文件超过下载上限，未核验", False),
    Outcome("archive_bomb", "压缩包解压后过大，未核验", False),
    Outcome("challenge", "返回人机验证/拦截页面", False),
    Outcome("access_denied", "访问被拒绝（HTTP 401/403），可能是访问限制", False),
    Outcome("redirect_loop", "重定向循环", False),
    Outcome("not_fetched", "本次未下载核验", False),
    # The guide's: anyone following the link gets no form.
    Outcome("bad_url", "链接地址无效", True),
    Outcome("http_error", "链接返回错误状态", True),
    Outcome("html", "返回的是网页而不是文件", True),
    Outcome("empty", "文件为空", True),
    Outcome("unknown_kind", "文件类型无法识别", True),
)
OUTCOMES: dict[str, Outcome] = {o.code: o for o in _OUTCOMES}


def outcome(code: str | None) -> Outcome:
    """The outcome for an error code stored on a FormLink; an unknown code (a newer crawler,
    a hand-edited record) is treated as not verified rather than as broken."""
    if code in OUTCOMES:
        return OUTCOMES[code]
    return Outcome(code or "unknown", f"下载未完成（{code}）", False)
