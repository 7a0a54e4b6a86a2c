"""The sweep lifecycle as a Scrapy extension (EXTENSIONS in crawler/settings.py).

A sweep is: take the portal's lock, mark sweeps a dead process left "running" as incomplete,
start (or reopen) the sweep with its check run, count pages while the crawl runs, and when the
crawl ends record counts and status. SweepSession does that once per sweep; SweepLifecycle,
built by Scrapy through ``from_crawler``, attaches each crawler to its session:

- ``scrapy crawl … -s GUIDEAUDIT_DB=URL`` (Scrapyd): the extension opens a session of its own
  for the crawler's portal and finishes it when the spider closes.
- ``guideaudit sweep``: the command opens the session first (it needs the lock's answer, the
  resumed sweep and its stored URLs before the spiders are built) and passes its sweep id as
  GUIDEAUDIT_SWEEP_ID; every crawler of the sweep joins that session, the last one to close
  finishes it, and the command finishes it itself when the reactor was stopped under them.
- no GUIDEAUDIT_DB: NotConfigured, the crawl stores nothing (the check and store pipelines
  switch off the same way).

Status and exit code (the command's; a Scrapyd job has only the status):
  complete   0  every crawler finished (or stopped at --max-guides), the ledger balances and
                at most GUIDEAUDIT_MAX_FAILURE_SHARE of its URLs could not be read
  partial    4  as complete, but more could not be read, or a list page failed without
                saying how many guides it held (完成但不完整: usable, and said so)
  incomplete 1  the ledger does not balance: URLs discovered that ended in no state
  incomplete 130 interrupted (SIGINT/SIGTERM); --resume continues it
  incomplete 1  stopped for another reason (memory limit, …); --resume continues it
  failed     1  nothing could be stored, or the store failed
"""

from __future__ import annotations

import logging
import weakref
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import CloseSpider, NotConfigured

from guideaudit.store import Store, StoreError
from guideaudit.store.store import Sweep
from guideaudit.vocab import USABLE_SWEEP_STATUSES

from .keyset import KeySet
from .ledger import LedgerRecorder, ledger_of
from .lock import PortalLock, SweepLocked
from .pipelines.attachments import META_FLAG
from .pipelines.store import CHECK_ERROR_PREFIXES, SweepState, count_attachments, writer_mode

logger = logging.getLogger(__name__)

EXIT_COMPLETE, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_LOCKED, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
DEFAULT_MAX_FAILURE_SHARE = 0.02
COMPLETE_REASONS = {"finished", "max_guides"}
# Crawl close reasons that are Ctrl-C / kill rather than a crawl that gave up.
INTERRUPT_REASONS = {"shutdown"}

# Sessions open in this process, by sweep id (what GUIDEAUDIT_SWEEP_ID names), and the session of
# each crawler (what its store pipeline writes into).
_SESSIONS: dict[int, SweepSession] = {}
_BY_CRAWLER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def db_setting(settings) -> str | None:
    """The database a crawl stores into; unset = the crawl stores nothing."""
    url = settings.get("GUIDEAUDIT_DB")
    if not url and settings.get("GUIDEAUDIT_DB_URL"):  # the 0.1 spelling, still honoured
        url = settings.get("GUIDEAUDIT_DB_URL")
    return str(url) if url else None


def session_of(crawler) -> SweepSession | None:
    return _BY_CRAWLER.get(crawler)


@dataclass
class SweepOutcome:
    exit_code: int
    sweep: Sweep | None = None
    message: str = ""


def sweep_figures(store: Store, sweep_id: int, base_sweep: int | None = None) -> dict:
    """A sweep's figures, all counted from what the store holds for it: exact after any number
    of interruptions and resumes (a guide stored again replaces itself, a page fetched again is
    one row, a failure recovered is gone), never a sum of what processes counted in memory.
    ``base_sweep``: an incremental sweep's base, whose figures it starts from where it can."""
    counts = store.stored_counts(sweep_id)  # guides, defects, pages
    counts["incomplete"] = store.verdict_counts(sweep_id).get("incomplete", 0)
    counts["attachments"] = _attachments(store, sweep_id, base_sweep)
    counts["attachments_rule"] = _attachment_rule()
    failures = store.fetch_failures(sweep_id)
    checks = sum(1 for f in failures if str(f.get("error") or "").startswith(CHECK_ERROR_PREFIXES))
    counts["fetch_failures"] = len(failures) - checks
    counts["check_errors"] = checks
    return counts


def _attachment_rule() -> int:
    """A fingerprint of count_attachments' code: the program's version stays the same between
    commits, so a base figure is only carried over when it was counted by this very code."""
    def parts(code) -> bytes:  # nested code objects by their own parts: their repr carries an address
        consts = b"".join(parts(c) if hasattr(c, "co_code") else repr(c).encode() for c in code.co_consts)
        return code.co_code + consts + repr(code.co_names).encode()

    return zlib.crc32(parts(count_attachments.__code__))


def _attachments(store: Store, sweep_id: int, base_sweep: int | None) -> int:
    """Attachments the sweep's guides verified. A record's count is a function of its stored
    version: an incremental sweep counts only the guides whose version differs from the base
    sweep's and adds that to the base's figure (when the base counted it with this same
    version of the program and this same count_attachments), instead of reading every record again."""
    from guideaudit import __version__

    base = store.get_sweep(base_sweep) if base_sweep else None
    if (base is not None and isinstance(base.counts.get("attachments"), int) and base.tool_version == __version__
            and base.counts.get("attachments_rule") == _attachment_rule()):
        return base.counts["attachments"] + sum(
            sign * count_attachments(data) for sign, data in store.record_data_apart(sweep_id, base.id)
        )
    return sum(count_attachments(data) for data in store.record_data(sweep_id))


def reap_dead_sweeps(store: Store, portal: str, say: Callable[[str], None]) -> list[int]:
    """Sweeps of this portal left "running" by a process that is gone (killed, crashed, host
    rebooted). The caller holds the portal's lock in this store, and a running sweep's process
    holds it for the sweep's life: so no other process can be running any of them, whatever its
    GUIDEAUDIT_HOME or host. Their figures are counted from the store."""
    reaped = []
    for sweep in store.list_sweeps(portal, "running"):
        if sweep.id in _SESSIONS:  # this process's own, open sweep
            continue
        host = f"主机 {sweep.host}，" if sweep.host else ""
        store.finish_sweep(
            sweep.id, "incomplete", sweep_figures(store, sweep.id),
            f"抓取进程 {sweep.pid}（{host}已不持有门户锁）意外终止，已标记为未完成",
        )
        say(f"第 {sweep.id} 次抓取的进程 {sweep.pid} 已终止，已标记为未完成（{host}它已不持有门户锁；"
            f"可用 --resume {sweep.id} 续抓）。")
        reaped.append(sweep.id)
    return reaped


class SweepSession:
    """One sweep of one portal: its lock, its row in the store, the state its crawlers share
    (counts, the store writer) and how it ended."""

    def __init__(self, store: Store, portal: str, lock_names: list[str] | None = None, owns_store: bool = False):
        self.store = store
        self.portal = portal
        self.lock = PortalLock(store.url, lock_names or [portal])
        self.owns_store = owns_store
        self.sweep: Sweep | None = None
        self.state: SweepState | None = None
        self.expected = 1  # crawlers whose close completes the sweep
        self.outcome: SweepOutcome | None = None
        self.base_sweep: int | None = None  # --incremental: the sweep unchanged guides are reused from
        self.recorders: list[LedgerRecorder] = []
        self.unsettled: list[str] = []  # ledger keys the crawlers left in no state
        self.max_failure_share = DEFAULT_MAX_FAILURE_SHARE

    # --- opening -------------------------------------------------------------------------------

    def acquire(self) -> None:
        """The portal's lock in this store; SweepLocked when another sweep of it runs."""
        self.lock.acquire()

    def reap(self, say: Callable[[str], None]) -> list[int]:
        return reap_dead_sweeps(self.store, self.portal, say)

    def open(self, start_url: str | None, record: dict, log_path: str | None,
             captures: dict[str, list[str]], resumed: Sweep | None = None) -> Sweep:
        """Start the sweep (or reopen ``resumed``) and record how its guides are checked:
        version, rules digest, settings, and what each source cannot capture (so 待核实 figures
        of two sweeps can be told apart)."""
        from guideaudit.checks import CHECKER_VERSION, check_run
        from guideaudit.checks.settings import active_settings

        if not self.lock.held:
            raise RuntimeError("a sweep is opened only under its portal's lock")
        failed_before: set[str] = set()
        if resumed is not None:
            self.sweep = self.store.reopen_sweep(resumed.id)
            failed_before = {
                f["url"] for f in self.store.fetch_failures(resumed.id)
                if not str(f.get("error") or "").startswith(CHECK_ERROR_PREFIXES)
            }
        else:
            self.sweep = self.store.start_sweep(self.portal, start_url, record, CHECKER_VERSION, log_path)
        self.store.add_check_run(self.sweep.id, **check_run(active_settings(), captures=captures))
        self.state = SweepState(self.sweep.id, self.store, failed_before=failed_before)
        _SESSIONS[self.sweep.id] = self
        return self.sweep

    def join(self, crawler) -> None:
        if self.base_sweep is None:  # scrapy crawl -s GUIDEAUDIT_BASE_SWEEP=N (Scrapyd)
            self.base_sweep = crawler.settings.getint("GUIDEAUDIT_BASE_SWEEP") or None
        self.state.crawlers.append(crawler)
        self.state.writer_mode = writer_mode(crawler.settings)
        self.max_failure_share = max_failure_share(crawler.settings)
        if crawler.settings.getbool("GUIDEAUDIT_LEDGER", True):  # off only to measure its cost
            self.recorders.append(LedgerRecorder(crawler, self.state))
        _BY_CRAWLER[crawler] = self

    # --- ending --------------------------------------------------------------------------------

    def crawler_closed(self, crawler, reason: str) -> None:
        recorder = ledger_of(crawler)
        if recorder is not None:
            self.unsettled.extend(recorder.close(reason))
        self.state.close_reasons[id(crawler)] = reason
        if len(self.state.close_reasons) >= self.expected:
            self.finish()

    def finish(self, forced: tuple[str, int, str] | None = None) -> SweepOutcome:
        """Record how the sweep ended (once; later calls return the same outcome). ``forced``:
        (status, exit code, error) when the crawl never got going (interrupted at start, crashed)."""
        if self.outcome is not None:
            return self.outcome
        state = self.state
        try:
            for recorder in self.recorders:
                recorder.wait_inflight(60)  # ledger rows already handed to a thread
            state.close_writer()  # everything the crawl handed over is written before counting
            counts = sweep_figures(self.store, state.sweep_id, self.base_sweep)
            if self.base_sweep:  # an incremental sweep: what it reused, against the base sweep
                counts.update(self.store.reuse_figures(self.base_sweep, state.sweep_id))
            counts["ledger"] = self._ledger_counts()
            if forced is not None:
                status, code, error = forced
            else:
                status, code, error = self._verdict(counts)
            final = self.store.finish_sweep(state.sweep_id, status, counts, error)
            if final.status in USABLE_SWEEP_STATUSES:
                self._prune_validators(final.portal)
        finally:
            _SESSIONS.pop(state.sweep_id, None)
        self.outcome = SweepOutcome(code, final, error or "")
        logger.info("sweep %d ended: %s %s", final.id, final.status, final.counts)
        return self.outcome

    def _prune_validators(self, portal: str) -> None:
        """A usable sweep is the next incremental sweep's base: validators of older sweeps are
        dead weight (ga_validators grew by a row per guide and file every sweep). A failure
        here costs disk, never the sweep."""
        try:
            dropped = self.store.prune_validators(portal)
        except Exception as err:
            logger.warning("could not prune old validators of %s: %s", portal, err)
            return
        if dropped:
            logger.info("pruned %d validator rows of older sweeps of %s", dropped, portal)

    def _ledger_counts(self) -> dict:
        """The ledger's figures, and whether it balances: every URL this run discovered must
        have a row in the store (read back, not taken from the crawl's own bookkeeping)."""
        store, sweep_id = self.store, self.state.sweep_id
        ledger = store.ledger_counts(sweep_id)
        discovered = KeySet()  # digests of keys (crawler/keyset.py), not the keys themselves
        for recorder in self.recorders:
            discovered.merge(recorder.discovered)
        missing, sample = 0, []
        if len(discovered):
            rows = KeySet(store.iter_ledger_urls(sweep_id))
            missing = sum(1 for digest in discovered.digests() if not rows.has_digest(digest))
            if missing:  # named where the crawl still knows the key: discovered, never settled
                sample = sorted({key for recorder in self.recorders for key in recorder.open if key not in rows})[:5]
        unread = ledger["unread"] + ledger["unknown"]
        base = ledger["rows"] + ledger["unknown"]
        ledger.update(
            discovered=ledger["rows"] + missing,
            unaccounted=missing,
            unaccounted_sample=sample,
            unread_total=unread,
            share=round(unread / base, 4) if base else 0.0,
            threshold=self.max_failure_share,
        )
        return ledger

    def _verdict(self, counts: dict) -> tuple[str, int, str | None]:
        state = self.state
        reasons = state.close_reasons.values()
        missing = len(state.close_reasons) < self.expected  # a crawler never closed: reactor killed
        stopped = sorted({r for r in reasons if r not in COMPLETE_REASONS})
        if state.errors:
            return "failed", EXIT_FAILED, "；".join(state.errors[:3])
        if missing or INTERRUPT_REASONS & set(stopped):
            return "incomplete", EXIT_INTERRUPTED, "抓取被中断（SIGINT/SIGTERM）"
        if stopped:
            return "incomplete", EXIT_FAILED, f"抓取提前停止（{'，'.join(stopped)}）"
        if counts["guides"] == 0:
            return "failed", EXIT_FAILED, f"没有抓到任何办事指南（{counts['fetch_failures']} 个页面无法获取）"
        ledger = counts.get("ledger") or {}
        if ledger.get("unaccounted"):
            sample = "、".join(ledger.get("unaccounted_sample") or [])
            return "incomplete", EXIT_FAILED, (
                f"抓取台账不平：发现 {ledger['discovered']} 个网址，其中 {ledger['unaccounted']} 个既未保存也未记录结果"
                f"（如 {sample}）；可用 --resume 续抓"
            )
        why = partial_reason(ledger)
        if why:
            return "partial", EXIT_PARTIAL, why
        return "complete", EXIT_COMPLETE, None

    def close(self) -> None:
        """Release the lock (and the store, when the session opened it)."""
        self.lock.release()
        if self.owns_store:
            self.store.close()


def max_failure_share(settings) -> float:
    """GUIDEAUDIT_MAX_FAILURE_SHARE: the share of a sweep's URLs that may stay unread (failed,
    blocked, robots.txt) before the sweep is 完成但不完整; 0.02 unless set (0..1)."""
    try:
        value = float(settings.get("GUIDEAUDIT_MAX_FAILURE_SHARE", DEFAULT_MAX_FAILURE_SHARE))
    except (TypeError, ValueError):
        return DEFAULT_MAX_FAILURE_SHARE
    return min(max(value, 0.0), 1.0)


def partial_reason(ledger: dict) -> str | None:
    """Why a balanced sweep is 完成但不完整 (None: it is complete)."""
    unread, share, threshold = ledger.get("unread_total", 0), ledger.get("share", 0.0), ledger.get("threshold", 0.02)
    lists = ledger.get("unknown_lists", 0)
    if share > threshold:
        return (f"{unread} 个页面无法读取（{share:.1%}），超过上限 {threshold:.1%}"
                "（GUIDEAUDIT_MAX_FAILURE_SHARE）；评分与报告只基于已读取的指南")
    if lists:
        return f"{lists} 个列表页无法读取，其上的指南数未知；评分与报告只基于已读取的指南"
    return None


class SweepLifecycle:
    """Scrapy extension: attaches a crawler to its sweep (see the module docstring)."""

    def __init__(self, crawler, session: SweepSession | None, refusal: str | None = None):
        self.crawler = crawler
        self.session = session
        self.refusal = refusal  # close reason when the sweep could not be opened (locked, …)
        self.standalone = False

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        db = db_setting(settings)
        if not db:
            raise NotConfigured  # no message: Scrapy then logs no warning for a plain crawl
        sweep_id = settings.getint("GUIDEAUDIT_SWEEP_ID")
        if sweep_id:
            session, refusal = _SESSIONS.get(sweep_id), None
            if session is None and settings.get("GUIDEAUDIT_REDIS"):
                # a worker of a distributed sweep joins the sweep the coordinator opened
                from .distributed.worker import join_sweep

                session, refusal = join_sweep(crawler, db, sweep_id)
            ext = cls(crawler, session, refusal or (None if session else "unknown_sweep"))
            if session is None and refusal is None:
                logger.error("第 %d 次抓取不是由本进程开始的（GUIDEAUDIT_SWEEP_ID 由 guideaudit sweep 设置），本次不抓取", sweep_id)
        else:
            ext = cls._standalone(crawler, db)
        if ext.session is not None:
            ext.session.join(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    @classmethod
    def _standalone(cls, crawler, db: str) -> SweepLifecycle:
        """A sweep of this crawler alone (``scrapy crawl``, Scrapyd), under the same per-portal
        lock as ``guideaudit sweep``, so a Scrapyd job and a cron sweep never overlap."""
        from guideaudit.checks.settings import SettingsError

        from .pipelines.check import apply_check_settings

        settings = crawler.settings
        try:
            apply_check_settings(settings)
        except SettingsError as err:
            logger.error("检查设置有误：%s", err)
            return cls(crawler, None, "bad_settings")
        spider = crawler.spider
        profile = getattr(spider, "profile", None)
        base = getattr(spider, "base_url", None) or ""
        start_url = getattr(spider, "start_url", None) or base
        portal = settings.get("GUIDEAUDIT_PORTAL") or (
            profile.name if profile is not None else f"url:{urlsplit(start_url or base).netloc}"
        )
        try:
            store = Store(db)
        except StoreError as err:
            logger.error("%s", err)
            return cls(crawler, None, "bad_database")
        session = SweepSession(store, portal, owns_store=True)
        try:
            session.acquire()
        except SweepLocked as err:
            logger.error("%s", err)
            store.close()
            return cls(crawler, None, "locked")
        try:
            session.reap(lambda text: logger.warning("%s", text))
            gaps = list(profile.capture_gaps()) if hasattr(profile, "capture_gaps") else []
            record = {"spider": spider.name, "profiles": [profile.name] if profile else [], "base_url": base, "runner": "scrapy"}
            sweep = session.open(start_url, record, settings.get("LOG_FILE"),
                                 {profile.name if profile else (start_url or "generic"): gaps})
        except Exception as err:  # the database refused the sweep: say so, fetch nothing
            logger.error("无法开始抓取（数据库 %s）：%s: %s", store.display_url, type(err).__name__, err)
            session.close()
            return cls(crawler, None, "store_error")
        logger.info("sweep %d opened for portal %s (database %s)", sweep.id, portal, store.display_url)
        ext = cls(crawler, session)
        ext.standalone = True
        return ext

    def spider_opened(self, spider):
        if self.refusal:
            raise CloseSpider(self.refusal)  # before the first request: nothing is fetched
        if self.session is not None:
            self.session.state.start_writer()

    def response_received(self, response, request, spider):
        # Attachment checks also pass through the engine; pages are what the spider parses.
        if self.session is None or request.meta.get(META_FLAG):
            return
        self.session.state.page_received(self.crawler, request, response)

    def spider_closed(self, spider, reason):
        if self.session is None:
            return
        try:
            self.session.crawler_closed(self.crawler, reason)
        finally:
            if self.standalone:
                self.session.close()
