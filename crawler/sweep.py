"""`guideaudit sweep`: one sweep of one or more portal profiles, run in-process.

The command resolves its inputs, opens the sweep through the same SweepSession the Scrapy
extension uses (crawler/lifecycle.py: lock, reap, start or reopen), then runs the spiders with the
project's settings: the check and store pipelines and the lifecycle extension are switched on by
GUIDEAUDIT_DB alone, and every crawler joins the session by GUIDEAUDIT_SWEEP_ID. The session is
finished by the last crawler to close, or here when the reactor stopped under them.

Status and exit codes: crawler/lifecycle.py. A sweep killed with SIGKILL stays "running" with its
pid and host; the next sweep of the portal on the same store marks it incomplete: it holds the
portal's lock, which lives with the store (crawler/lock.py), so that sweep cannot still be alive,
whatever host or GUIDEAUDIT_HOME it ran with.

Scrapy's reactor runs once per process: several profiles of one sweep run as concurrent
crawlers in one CrawlerProcess.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from guideaudit.crawler.addons import LOOPBACK_SETTINGS  # noqa: F401  (bench/sweep_bench.py)
from guideaudit.crawler.extract.pool import default_workers
from guideaudit.crawler.lifecycle import (  # noqa: F401  (exit codes and outcome: this module's API)
    COMPLETE_REASONS,
    EXIT_BAD_INPUT,
    EXIT_COMPLETE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_PARTIAL,
    SweepOutcome,
    SweepSession,
    reap_dead_sweeps,
)
from guideaudit.crawler.lock import SweepLocked, safe_name
from guideaudit.crawler.targets import RetryPlan, SweepInputError, Target, assign_retry  # noqa: F401  (this module's API)

from guideaudit.paths import logs_dir
from guideaudit.store import Store
from guideaudit.store.store import Sweep, lists_note

logger = logging.getLogger(__name__)

# Scrapy starts CONCURRENT_ITEMS asyncio workers for every response's output (default 100);
# a guide page yields one item and a list page a few dozen requests, so 100 workers per page
# cost more CPU than the items themselves (measured in bench/sweep_bench.py).
# Page extraction runs in worker processes (crawler/extract/pool.py), off the crawl's GIL:
# bench/sweep_bench.py, 10,000 guides on 2 shared cores: 26.0 s in-process, 21.8 s with one
# worker (two: 21.4 s).
SWEEP_SETTINGS = {
    "CONCURRENT_ITEMS": 8,
    "GUIDEAUDIT_EXTRACT_WORKERS": default_workers(),
    "GUIDEAUDIT_PROGRESS": True,  # progress lines on stdout too (crawler/progress.py)
}


@dataclass
class SweepOptions:
    profiles: list[str] = field(default_factory=list)
    url: str | None = None
    base_url: str | None = None
    db_url: str | None = None
    resume: int | None = None  # None: new sweep; 0: latest incomplete of the portal; N: sweep N
    max_guides: int | None = None
    overrides: dict[str, str] = field(default_factory=dict)
    log_file: str | None = None
    incremental: bool = False  # reuse what is unchanged since the latest complete sweep


# --- inputs ------------------------------------------------------------------------------------


def parse_overrides(pairs: list[str] | None) -> dict[str, str]:
    result: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key or not key.replace("_", "").isalnum() or not key.isupper():
            raise SweepInputError(f"--set {pair!r} 格式不对，应为 KEY=VALUE（Scrapy 设置名为大写，如 DOWNLOAD_DELAY=1）")
        _check_type(key, value.strip())
        result[key] = value
    return result


def _check_type(key: str, value: str) -> None:
    """A value Scrapy would fail on deep inside the crawl ("abc" for a number) is refused here,
    against the type of the setting's default (Scrapy's or ours)."""
    from scrapy.settings import default_settings

    from . import settings as ours

    default = getattr(ours, key, getattr(default_settings, key, None))
    if isinstance(default, bool):
        if value.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise SweepInputError(f"--set {key}={value!r}：应为 True 或 False")
    elif isinstance(default, (int, float)):
        try:
            float(value)
        except ValueError:
            raise SweepInputError(f"--set {key}={value!r}：应为数字（默认值为 {default}）") from None
        counted = "CONCURRENT" in key or key.endswith(("_TIMES", "_LIMIT", "_SIZE", "_MAXSIZE", "_COUNT", "_WORKERS", "_BATCH"))
        if isinstance(default, int) and counted and not value.lstrip("-").isdigit():
            raise SweepInputError(f"--set {key}={value!r}：应为整数（默认值为 {default}）")


def portal_key(options: SweepOptions) -> str:
    """The name sweeps of this portal share (locks, --resume, reports)."""
    if options.profiles:
        return "+".join(options.profiles)
    host = urlsplit(options.url or "").netloc
    return f"url:{host}"


def _check_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SweepInputError(f"{what} {url!r} 不是有效的网址（应以 http:// 或 https:// 开头）")


def resolve_targets(options: SweepOptions, done_urls: set[str]) -> list[Target]:
    """Spiders and arguments for the sweep's profiles (or the generic spider for --url).

    Inputs are validated here, before the reactor starts: a spider that fails to build inside
    Scrapy would only show up in the log.
    """
    from guideaudit.crawler.profiles import ProfileError, load_profile
    from guideaudit.crawler.targets import targets_for

    for name in options.profiles:
        try:
            if load_profile(name).family == "js":
                _require_browser()
        except ProfileError as err:
            raise SweepInputError(str(err)) from None
    return targets_for(options, done_urls)


def _require_browser() -> None:
    from guideaudit.browser import BrowserNotFound, chromium_path

    try:
        chromium_path()
    except BrowserNotFound as err:
        raise SweepInputError(f"JS 类门户需要 Chromium：{err}") from None


# --- the sweep ---------------------------------------------------------------------------------


def _log_path(options: SweepOptions, key: str) -> Path:
    if options.log_file:
        path = Path(options.log_file).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return path
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return logs_dir() / f"sweep-{safe_name(key)}-{stamp}-{os.getpid()}.log"


def _settings_record(options: SweepOptions, targets: list[Target]) -> dict:
    return {
        "profiles": options.profiles,
        "url": options.url,
        "base_url": options.base_url,
        "max_guides": options.max_guides,
        "overrides": options.overrides,
        "spiders": [{"spider": t.spider, "start_url": t.start_url} for t in targets],
        "incremental": options.incremental,
    }


def _pick_resume(store: Store, key: str, options: SweepOptions, say) -> Sweep | None:
    if options.resume is None:
        return None
    if options.resume:
        sweep = store.get_sweep(options.resume)
        if sweep.portal != key:
            raise SweepInputError(f"第 {sweep.id} 次抓取属于门户 {sweep.portal}，不是 {key}")
        if sweep.status == "complete":
            raise SweepInputError(f"第 {sweep.id} 次抓取已完成，无需续抓")
        return sweep
    found = store.list_sweeps(key)
    # Only the newest sweep of the portal can be resumed: an incomplete sweep older than a
    # complete one is stale, and resuming it would mix old pages into new results. A partial
    # one (完成但不完整) is resumed to retry what it could not read.
    if found and found[-1].status in ("incomplete", "partial"):
        return found[-1]
    say(f"门户 {key} 没有可续抓的未完成抓取，开始新的抓取。")
    return None


def _pick_base(store: Store, key: str, options: SweepOptions, resumed: Sweep | None, say) -> Sweep | None:
    """--incremental: the latest complete sweep of the portal (a resumed sweep keeps its own)."""
    if not options.incremental:
        return None
    if resumed is not None:
        recorded = (resumed.settings or {}).get("base_sweep")
        return store.get_sweep(int(recorded)) if recorded else None
    base = store.latest_sweep(key)
    if base is None:
        say(f"门户 {key} 还没有完成的抓取可以对照，本次完整抓取（之后的 --incremental 以它为准）。")
    return base


def options_from_sweep(sweep: Sweep, options: SweepOptions) -> SweepOptions:
    """--resume N without a portal: take profiles and URLs from what the sweep recorded."""
    s = sweep.settings or {}
    return SweepOptions(
        profiles=options.profiles or list(s.get("profiles") or []),
        url=options.url or s.get("url"),
        base_url=options.base_url or s.get("base_url"),
        db_url=options.db_url,
        resume=options.resume,
        max_guides=options.max_guides if options.max_guides is not None else s.get("max_guides"),
        overrides={**(s.get("overrides") or {}), **options.overrides},
        log_file=options.log_file,
        incremental=options.incremental or bool(s.get("incremental")),
    )


def run_sweep(options: SweepOptions, say: Callable[[str], None] = print) -> SweepOutcome:
    """Run one sweep to its end and record it; never raises for a crawl problem."""
    if options.url:
        _check_url(options.url, "--url")
    if options.base_url:
        _check_url(options.base_url, "--base-url")
    if options.max_guides is not None and options.max_guides < 1:
        raise SweepInputError("--max-guides 应为正整数")
    return with_portal_locked(options, lambda session, opts: _run_locked(session, opts, say))


def with_portal_locked(options: SweepOptions, run: Callable[[SweepSession, SweepOptions], SweepOutcome]) -> SweepOutcome:
    """Open the store, complete the options of a bare --resume N, take the portal's lock and
    call ``run`` under it (a one-process sweep and a distributed one's coordinator alike)."""
    store = Store(options.db_url)
    try:
        if options.resume and not options.profiles and not options.url:
            options = options_from_sweep(store.get_sweep(options.resume), options)
        if not options.profiles and not options.url:
            raise SweepInputError("请给出门户配置名（如 fixture-html）或 --url 起始网址")
        key = portal_key(options)
        session = SweepSession(store, key, [key, *options.profiles] if len(options.profiles) > 1 else [key])
        try:
            session.acquire()
        except SweepLocked as err:
            return SweepOutcome(EXIT_LOCKED, None, str(err))
        try:
            return run(session, options)
        finally:
            session.close()
    finally:
        store.close()


def _run_locked(session: SweepSession, options: SweepOptions, say) -> SweepOutcome:
    store, key = session.store, session.portal
    say(f"数据库：{store.display_url}")
    session.reap(say)
    resumed = _pick_resume(store, key, options, say)
    done = store.done_urls(resumed.id) if resumed else set()
    targets = resolve_targets(options, done)
    plan = _exact_plan(store, resumed, targets)
    if resumed and resumed.log_path and not options.log_file:
        log_path = Path(resumed.log_path)  # one log per sweep: a resumed run appends to it
        log_path.parent.mkdir(parents=True, exist_ok=True)
    else:
        log_path = _log_path(options, key)
    start_url = targets[0].start_url if len(targets) == 1 else (options.base_url or options.url)
    record = _settings_record(options, targets)
    base = _pick_base(store, key, options, resumed, say)
    if base is not None:
        record["base_sweep"] = base.id
    sweep = session.open(start_url, record, str(log_path), _captures(targets), resumed)
    session.base_sweep = base.id if base is not None else None
    if resumed:
        say(f"续抓第 {sweep.id} 次抓取（门户 {key}），已保存 {len(done)} 份指南，这些页面不再抓取。")
        if plan is not None:
            say(_plan_line(plan))
        else:
            retry = store.retry_urls(sweep.id)
            if retry:
                say(f"  上次无法读取的 {len(retry)} 个网址（及失败的列表页上的指南）将重新抓取。")
    else:
        say(f"开始第 {sweep.id} 次抓取：门户 {key}")
    if base is not None:
        say(f"增量抓取：与第 {base.id} 次抓取（{base.counts.get('guides', 0)} 份指南）对照，未变化的指南沿用其结果。")
    say(f"日志：{log_path}")
    session.expected = len(targets)
    try:
        _crawl(session, options, targets, log_path)
    except KeyboardInterrupt:
        return session.finish(("incomplete", EXIT_INTERRUPTED, "抓取在启动时被中断"))
    except Exception as err:
        logger.exception("sweep %s crashed", sweep.id)
        outcome = session.finish(("failed", EXIT_FAILED, f"{type(err).__name__}: {err}"))
        return SweepOutcome(outcome.exit_code, outcome.sweep, f"抓取失败：{err}")
    return session.finish()  # the last crawler has finished it, unless the reactor was stopped


def _exact_plan(store: Store, resumed: Sweep | None, targets: list[Target]) -> RetryPlan | None:
    """An exact resume: a sweep that ran to its end (完成但不完整) has a balanced ledger, so a
    resume fetches exactly what it could not read (failed and blocked URLs, failed list pages,
    which lead to the guides behind them) and nothing it settled. A sweep that was interrupted
    has URLs it never reached: it walks the portal again, skipping the guides it stored."""
    if resumed is None or resumed.status != "partial":
        return None
    rows = store.retry_rows(resumed.id)
    retry = {r["url"] for r in rows}
    plan = RetryPlan(rows, store.ledger_urls(resumed.id) - retry)
    return plan if assign_retry(targets, plan) else None


def _plan_line(plan: RetryPlan) -> str:
    lists = [r for r in plan.rows if r["role"] == "list"]
    behind = sum(r["unknown"] or 0 for r in lists)
    unknown = sum(1 for r in lists if r["unknown"] is None)
    text = f"  只重抓上次无法读取的 {len(plan.rows)} 个网址"
    if lists:
        text += f"（其中 {len(lists)} 个列表页，其上约 {behind} 份指南未读" + (f"，{unknown} 个列表页的指南数未知" if unknown else "") + "）"
    text += "，不重新遍历门户。"
    if plan.unowned:
        text += f" {len(plan.unowned)} 个网址无法重建请求，保留上次的结果。"
    return text


def _captures(targets: list[Target]) -> dict[str, list[str]]:
    """What each source of the sweep cannot capture (recorded in its check run)."""
    from .profiles import load_profile

    captures: dict[str, list[str]] = {}
    for target in targets:
        profile = target.kwargs.get("profile")
        if isinstance(profile, str):
            loaded = load_profile(profile)
            captures[loaded.name] = list(loaded.capture_gaps())
        elif profile is not None and hasattr(profile, "capture_gaps"):
            captures[profile.name] = list(profile.capture_gaps())
        else:
            captures[str(target.start_url or "generic")] = []
    return captures


# --- Scrapy ------------------------------------------------------------------------------------


def build_settings(options: SweepOptions, sweep_id: int, log_path: Path, targets: list[Target], db_url: str | None = None,
                   base_sweep: int | None = None):
    """The project's settings (crawler/settings.py: pipelines and the lifecycle extension, all
    on by GUIDEAUDIT_DB; loopback pace by its add-on), the sweep's crawl settings, the --set."""
    from scrapy.settings import Settings

    from guideaudit.paths import default_db_url

    settings = Settings()
    settings.setmodule("guideaudit.crawler.settings", priority="project")
    settings.setdict(SWEEP_SETTINGS, priority="project")
    settings.set("GUIDEAUDIT_DB", db_url or options.db_url or default_db_url(), priority="cmdline")
    settings.set("GUIDEAUDIT_SWEEP_ID", sweep_id, priority="cmdline")  # join the command's session
    if base_sweep:
        settings.set("GUIDEAUDIT_BASE_SWEEP", base_sweep, priority="cmdline")  # --incremental
    if options.max_guides:
        settings.set("GUIDEAUDIT_MAX_GUIDES", options.max_guides, priority="cmdline")
    settings.set("LOG_FILE", str(log_path), priority="cmdline")
    settings.set("LOG_FILE_APPEND", True, priority="cmdline")
    # Scrapy's remote-control extension runs Python sent over HTTP: never in a sweep.
    settings.set("REMOTE_CONTROL_ENABLED", False, priority="cmdline")
    settings.setdict(options.overrides, priority="cmdline")
    return settings


def _crawl(session: SweepSession, options: SweepOptions, targets: list[Target], log_path: Path) -> None:
    from scrapy.crawler import CrawlerProcess

    sweep_id = session.sweep.id
    settings = build_settings(options, sweep_id, log_path, targets, session.store.url, session.base_sweep)
    # Until Scrapy installs its own handlers, SIGTERM must end up as an interrupt too.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        process = CrawlerProcess(settings)
        for target in targets:
            process.crawl(target.spider, **target.kwargs)
        logger.info("sweep %s: %d crawler(s): %s", sweep_id, len(targets), [t.spider for t in targets])
        process.start()
    finally:
        signal.signal(signal.SIGTERM, previous)
        session.state.close_writer()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def summary_lines(sweep: Sweep, db_url: str | None = None) -> list[str]:
    c = sweep.counts or {}
    from guideaudit.vocab import SWEEP_STATUS_LABELS

    status = SWEEP_STATUS_LABELS.get(sweep.status, sweep.status)
    lines = [
        f"第 {sweep.id} 次抓取（{sweep.portal}）：{status}",
        f"  页面 {c.get('pages', 0)}，指南 {c.get('guides', 0)}，问题 {c.get('defects', 0)}，"
        f"待核实要素 {c.get('incomplete', 0)}，附件 {c.get('attachments', 0)}，无法获取的页面 {c.get('fetch_failures', 0)}"
        + (f"，检查出错 {c['check_errors']}" if c.get("check_errors") else ""),
    ]
    if "base_sweep" in c:
        lines.append(
            f"  增量（对照第 {c['base_sweep']} 次）：沿用 {c.get('reused', 0)}（未修改 {c.get('reused_not_modified', 0)}，"
            f"列表标记未变 {c.get('reused_marker', 0)}，页面相同 {c.get('reused_same_body', 0)}，内容相同 "
            f"{c.get('reused_same_content', 0)}），变化 {c.get('changed', 0)}，新增 {c.get('new', 0)}，"
            f"撤下 {c.get('removed', 0)}" + (f"，沿用后重新检查 {c['rechecked']}" if c.get("rechecked") else "")
        )
    ledger = ledger_line(c.get("ledger"))
    if ledger:
        lines.append("  " + ledger)
    if sweep.error:
        lines.append(f"  说明：{sweep.error}")
    db = f" --db {db_url}" if db_url else ""
    if sweep.status == "incomplete":
        lines.append(f"  续抓：guideaudit sweep --resume {sweep.id}{db}")
    elif sweep.status == "partial":
        lines.append(f"  重试无法读取的页面：guideaudit sweep --resume {sweep.id}{db}；各页面的结果：guideaudit sweeps --detail {sweep.id}")
    return lines


def ledger_line(ledger: dict | None) -> str | None:
    """One line of a sweep's ledger figures: URLs decided, how they ended, the unread share."""
    if not ledger or not ledger.get("discovered"):
        return None
    from guideaudit.vocab import LedgerState

    states = ledger.get("states") or {}
    parts = "，".join(f"{s.label} {states.get(s.value, 0)}" for s in LedgerState)
    line = f"抓取台账：网址 {ledger['discovered']}（{parts}）"
    unread = ledger.get("unread_total", ledger.get("unread", 0))
    if unread:
        line += f"；无法读取 {unread} 个（{ledger.get('share', 0):.1%}，上限 {ledger.get('threshold', 0.02):.1%}）"
    lists = lists_note(ledger)
    if lists:
        line += f"；{lists}"
    if ledger.get("unaccounted"):
        line += f"；{ledger['unaccounted']} 个网址没有结果（台账不平）"
    return line
