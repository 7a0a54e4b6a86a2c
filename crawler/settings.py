"""Scrapy settings for guideaudit's spiders (scrapy.cfg: default = guideaudit.crawler.settings).

Polite by default: robots.txt obeyed, AutoThrottle on, a few requests per domain at a time,
a User-Agent that names the tool. Tests and benchmarks over loopback turn throttling off
through per-crawl settings, never by editing this file.
"""

BOT_NAME = "guideaudit"
SPIDER_MODULES = ["guideaudit.crawler.spiders"]
NEWSPIDER_MODULE = "guideaudit.crawler.spiders"

USER_AGENT = "guideaudit/0.1 (政务服务指南合规审计; +https://github.com/guideaudit)"
# robots.txt groups are matched on this product token.
ROBOTSTXT_USER_AGENT = "guideaudit"
ROBOTSTXT_OBEY = True

# Politeness: portals are public services; never hammer them.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# Portals answer load with 5xx pages and 429; retry those, then report a fetch failure.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_TIMEOUT = 30
# Redirects are followed up to this many hops (a 302 to the real page or file is normal); a hop
# back into its own chain is a loop, recorded as such in the sweep ledger (crawler/ledger.py).
REDIRECT_MAX_TIMES = 10
# A sweep whose ledger has more than this share of URLs unread (failed, blocked, robots.txt;
# guideaudit.vocab.LEDGER_KINDS unread) is 完成但不完整 (status partial, exit code 4).
GUIDEAUDIT_MAX_FAILURE_SHARE = 0.02
# The ledger itself; False only to measure what it costs (bench/ledger_bench.py): such a sweep has
# no ledger, so nothing shows what it could not read.
GUIDEAUDIT_LEDGER = True
# A guide page above this many bytes is cut off while it streams in and recorded as a fetch
# failure (too_large), never read as a guide (crawler/addons.py PageSizeCap sets Scrapy's
# DOWNLOAD_MAXSIZE from it). Real guide pages are tens to hundreds of KB.
GUIDEAUDIT_PAGE_MAXSIZE = 6 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# The fetched page kept as evidence with each guide: at most this many bytes (a longer page is
# kept truncated, with a note at its end saying so).
GUIDEAUDIT_RAW_MAXSIZE = 2 * 1024 * 1024
# 空表/样表 are fetched up to this many bytes (more is recorded as error "too_large").
ATTACHMENT_MAXSIZE = 20 * 1024 * 1024
ATTACHMENT_TIMEOUT = 30
# Verify attachment links at all (the pipeline switches itself off when False).
ATTACHMENT_CHECK_ENABLED = True

COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote-control extension starts a local HTTP server that runs Python sent to
# it: never for a crawl of this project (`scrapy crawl` from the repo included).
REMOTE_CONTROL_ENABLED = False
# Scrapy starts this many asyncio workers per response's output (default 100); a guide page
# yields one item, a list page a few dozen requests (bench/sweep_bench.py).
CONCURRENT_ITEMS = 8
# Worker processes for page extraction (crawler/extract/pool.py); 0 = in the crawl's process.
# `guideaudit sweep` starts one per spare core (at most two).
GUIDEAUDIT_EXTRACT_WORKERS = 0
LOG_LEVEL = "INFO"
# Scrapy's per-page/per-item DEBUG lines are built only when a handler would print them
# (crawler/logformat.py); the log is the same at every level.
LOG_FORMATTER = "guideaudit.crawler.logformat.QuietLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# --- the crawl→check→store path (docs/sweeps.md, "组件") ----------------------------------------
# Every component is listed here and switches itself off (NotConfigured) when not wanted, so a
# bare `scrapy crawl api -a profile=… -s GUIDEAUDIT_DB=URL` (Scrapyd) runs the same sweep as
# `guideaudit sweep`: locked, checked, stored and finished.
# Database of the sweep. Unset: no lifecycle, no check, no store (a crawl to JSONL or nowhere).
GUIDEAUDIT_DB = None
# Checks run in the store's writer process (the check pipeline hands guides on unchecked): off
# the crawl's GIL. False: the check pipeline checks in the crawl's process; same results.
GUIDEAUDIT_CHECK_IN_WRITER = True
# "process": a writer process of its own; "thread": the crawl's process, from a worker thread.
GUIDEAUDIT_STORE_WRITER = "process"
# Guides per store transaction (a batch is also written once its oldest guide waited 2.5 s).
# Smaller: less refetched after a kill, more transactions.
GUIDEAUDIT_STORE_BATCH = 200

# A distributed sweep's Redis (redis://host:port/db); set, the crawl is a worker of the sweep
# GUIDEAUDIT_SWEEP_ID names (`guideaudit worker`, or a Scrapyd job).
GUIDEAUDIT_REDIS = None
GUIDEAUDIT_REDIS_PREFIX = "guideaudit"
# Seconds a worker that stopped heart-beating keeps its leases before they are requeued.
GUIDEAUDIT_LEASE_TTL = 30.0

ITEM_PIPELINES = {
    # crawl process: HEAD/GET each 空表/样表 through Scrapy's downloader; off: ATTACHMENT_CHECK_ENABLED
    "guideaudit.crawler.pipelines.attachments.AttachmentPipeline": 100,
    # crawl process, or the writer (GUIDEAUDIT_CHECK_IN_WRITER); off without GUIDEAUDIT_DB
    "guideaudit.crawler.pipelines.check.CheckPipeline": 300,
    # batches to the writer process (GUIDEAUDIT_STORE_WRITER); off without GUIDEAUDIT_DB
    "guideaudit.crawler.pipelines.store.StorePipeline": 500,
    # crawl process; off unless GUIDEAUDIT_JSONL_OUT names a file
    "guideaudit.crawler.pipelines.jsonl.JsonLinesPipeline": 900,
}
DOWNLOADER_MIDDLEWARES = {
    # crawl process: conditional requests (If-None-Match / If-Modified-Since) from the base
    # sweep's validators; off unless GUIDEAUDIT_BASE_SWEEP (sweep --incremental)
    "guideaudit.crawler.incremental.ConditionalRequests": 560,
    # The sweep ledger (crawler/ledger.py): redirect loops and truncated bodies (downloader side),
    # what each page ended as (spider side, next to the spider). No-ops without GUIDEAUDIT_DB.
    "guideaudit.crawler.ledger.LedgerDownloaderMiddleware": 590,
    # crawl process: memory bounded by settings, not page size (crawler/memory.py)
    "guideaudit.crawler.memory.PageBytesBudget": 50,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "guideaudit.crawler.memory.HeadMetaRefreshMiddleware": 580,
}
SPIDER_MIDDLEWARES = {"guideaudit.crawler.ledger.LedgerSpiderMiddleware": 950}
# Scrapy's duplicate filter, its fingerprints held in one flat array (crawler/dupefilter.py)
DUPEFILTER_CLASS = "guideaudit.crawler.dupefilter.CompactDupeFilter"
# Pages fetched and not yet extracted may hold this many bytes before the next page request
# waits (crawler/memory.py PageBytesBudget).
GUIDEAUDIT_PAGES_INFLIGHT_BYTES = 48 * 1024 * 1024
# sweep --incremental: the complete sweep whose guides are reused when unchanged (crawler/incremental.py)
GUIDEAUDIT_BASE_SWEEP = None
ADDONS = {
    # crawl process: a portal on loopback (the fixture portal) is crawled without throttling
    "guideaudit.crawler.addons.LoopbackPace": 0,
    # crawl process: with GUIDEAUDIT_REDIS, a worker of a distributed sweep (docs/distributed.md)
    "guideaudit.crawler.distributed.addon.DistributedWorker": 10,
    # every crawl: DOWNLOAD_MAXSIZE from GUIDEAUDIT_PAGE_MAXSIZE
    "guideaudit.crawler.addons.PageSizeCap": 20,
}
EXTENSIONS = {
    # crawl process: lock, reap dead sweeps, start/reopen, count pages, finish; off without GUIDEAUDIT_DB
    "guideaudit.crawler.lifecycle.SweepLifecycle": 100,
    # crawl process: a progress line every GUIDEAUDIT_PROGRESS_INTERVAL s (0: off) to the log,
    # and to stdout with GUIDEAUDIT_PROGRESS (guideaudit sweep)
    "guideaudit.crawler.progress.SweepProgress": 200,
    # every process of a crawl: fewer young garbage collections, startup objects frozen (crawler/gcpolicy.py)
    "guideaudit.crawler.gcpolicy.CrawlGc": 300,
}

# Playwright is only switched on by the JS spider (its download handlers are set per crawl in
# GuideJsSpider.update_settings), so HTML and API crawls never start a browser.
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
