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
# "partial": finished and balanced, but more pages than GUIDEAUDIT_MAX_FAILURE_SHARE could not be
# read (or a list page failed with an unknown number of guides on it): usable, always said so.
SWEEP_STATUS_LABELS: dict[str, str] = {
    "running": "运行中", "complete": "完成", "partial": "完成但不完整", "incomplete": "未完成", "failed": "失败",
}
# Statuses a sweep can be reported and scored on (the "latest complete sweep" of reports).
USABLE_SWEEP_STATUSES: tuple[str, ...] = ("complete", "partial")


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


# --- the sweep ledger: every URL a sweep decides to fetch ends in exactly one state ----------


class LedgerState(StrEnum):
    GUIDE = "guide"  # stored as a guide of the sweep
    NOT_GUIDE = "not_guide"  # fetched, but the page is not a guide (list, block, soft 404, …)
    FAILED = "failed"  # could not be fetched or read
    SKIPPED = "skipped"  # decided not to fetch (robots.txt, off-site, duplicate, limit)

    @property
    def label(self) -> str:
        return LEDGER_STATE_LABELS[self]


LEDGER_STATE_LABELS: dict[LedgerState, str] = {
    LedgerState.GUIDE: "已保存的指南",
    LedgerState.NOT_GUIDE: "非指南页面",
    LedgerState.FAILED: "无法获取",
    LedgerState.SKIPPED: "未抓取",
}


@dataclass(frozen=True, slots=True)
class LedgerKind:
    """Why a URL ended in its state. ``unread``: a guide may have been behind it and was not
    read (counts towards the sweep's failure share and is listed per unit in the report)."""

    code: str
    state: LedgerState
    label: str
    unread: bool


_LEDGER_KINDS = (
    LedgerKind("stored", LedgerState.GUIDE, "已保存", False),
    LedgerKind("reused", LedgerState.GUIDE, "未变化，沿用上次内容", False),
    LedgerKind("list_page", LedgerState.NOT_GUIDE, "列表/导航页面", False),
    LedgerKind("other_page", LedgerState.NOT_GUIDE, "其他页面（不是指南）", False),
    LedgerKind("challenge", LedgerState.NOT_GUIDE, "人机验证/JS 挑战页", True),
    LedgerKind("waf", LedgerState.NOT_GUIDE, "防火墙拦截页", True),
    LedgerKind("login", LedgerState.NOT_GUIDE, "需要登录", True),
    LedgerKind("busy", LedgerState.NOT_GUIDE, "系统繁忙页（HTTP 200）", True),
    LedgerKind("soft404", LedgerState.NOT_GUIDE, "页面不存在（soft 404）", True),
    LedgerKind("error_page", LedgerState.NOT_GUIDE, "以 HTTP 200 返回的错误页", True),
    LedgerKind("empty", LedgerState.NOT_GUIDE, "空白页面（HTTP 200）", True),
    LedgerKind("bad_api", LedgerState.NOT_GUIDE, "接口返回不是指南数据", True),
    LedgerKind("timeout", LedgerState.FAILED, "超时", True),
    LedgerKind("refused", LedgerState.FAILED, "连接被拒绝", True),
    LedgerKind("reset", LedgerState.FAILED, "连接被重置", True),
    LedgerKind("dns", LedgerState.FAILED, "域名无法解析", True),
    LedgerKind("tls", LedgerState.FAILED, "TLS/证书错误", True),
    LedgerKind("http_status", LedgerState.FAILED, "HTTP 错误状态", True),
    LedgerKind("too_large", LedgerState.FAILED, "页面超过大小上限", True),
    LedgerKind("redirect_loop", LedgerState.FAILED, "重定向循环或过多", True),
    LedgerKind("truncated", LedgerState.FAILED, "内容不完整（传输中断）", True),
    LedgerKind("undecodable", LedgerState.FAILED, "无法解码", True),
    LedgerKind("record_invalid", LedgerState.FAILED, "记录无效", True),
    LedgerKind("checker_error", LedgerState.FAILED, "检查程序出错", True),
    LedgerKind("other_error", LedgerState.FAILED, "其他错误", True),
    LedgerKind("robots", LedgerState.SKIPPED, "robots.txt 禁止", True),
    LedgerKind("offsite", LedgerState.SKIPPED, "不在本站", False),
    LedgerKind("duplicate", LedgerState.SKIPPED, "重复网址", False),
    LedgerKind("limit", LedgerState.SKIPPED, "超过本次抓取上限", False),
)
LEDGER_KINDS: dict[str, LedgerKind] = {k.code: k for k in _LEDGER_KINDS}


def ledger_kind(code: str) -> LedgerKind:
    """The kind for a stored code; an unknown one (a newer crawler) counts as a failure."""
    if code in LEDGER_KINDS:
        return LEDGER_KINDS[code]
    return LedgerKind(code, LedgerState.FAILED, f"其他（{code}）", True)
