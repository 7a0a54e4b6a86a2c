"""Tables of the store. One SQLAlchemy metadata, portable between SQLite and PostgreSQL.

Bump SCHEMA_VERSION when a table changes; the store refuses a database of another version
rather than reading it wrongly.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 3
# Versions this one upgrades in place (guideaudit.store.store._upgrade): 1 → 2 added tables
# (ga_unsure, ga_check_runs); 2 → 3 added ga_guide_versions.published_hash.
UPGRADABLE_FROM = (1, 2)

metadata = MetaData()

meta = Table(
    "ga_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

sweeps = Table(
    "ga_sweeps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", String(200), nullable=False, index=True),
    Column("start_url", Text),
    # running → complete | incomplete | failed; an incomplete sweep can be resumed.
    Column("status", String(20), nullable=False, index=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("settings", Text, nullable=False, default="{}"),  # JSON
    Column("counts", Text, nullable=False, default="{}"),  # JSON
    Column("checker_version", String(40)),
    Column("tool_version", String(40)),
    Column("pid", Integer),
    Column("host", String(200)),
    Column("log_path", Text),
    Column("error", Text),
)

# One row per distinct published content of a guide: a guide that does not change between
# sweeps is stored once, however many sweeps saw it.
guide_versions = Table(
    "ga_guide_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("guide_id", String(200), nullable=False, index=True),
    # the version key: everything stored but fetched_at (one version per distinct record)
    Column("content_hash", String(64), nullable=False, unique=True),
    # what the portal published (GuideRecord.content_hash): what auditors' decisions bind to
    Column("published_hash", String(64), index=True),
    Column("record", LargeBinary, nullable=False),  # zlib(JSON of the GuideRecord)
    Column("raw", LargeBinary),  # zlib(page bytes as fetched): the evidence
    Column("raw_url", Text),
    Column("raw_content_type", String(200)),
    Column("raw_encoding", String(40)),
    Column("first_sweep_id", Integer, ForeignKey("ga_sweeps.id")),
)

sweep_guides = Table(
    "ga_sweep_guides",
    metadata,
    Column("sweep_id", Integer, ForeignKey("ga_sweeps.id"), primary_key=True),
    Column("guide_id", String(200), primary_key=True),
    Column("version_id", Integer, ForeignKey("ga_guide_versions.id"), nullable=False),
    Column("url", Text),
    Column("agency", Text),
    Column("item_name", Text),
    Column("fetched_at", String(40)),
    Column("elements", Text, nullable=False),  # JSON {E-code: pass|fail|na|incomplete}
)
Index("ix_sweep_guides_url", sweep_guides.c.sweep_id, sweep_guides.c.url)

defects = Table(
    "ga_defects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sweep_id", Integer, ForeignKey("ga_sweeps.id"), nullable=False),
    Column("guide_id", String(200), nullable=False),
    Column("defect_id", String(32), nullable=False, index=True),
    Column("rule", String(80), nullable=False),
    Column("element", String(10), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("message", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("suggestion", Text, nullable=False),
    Column("locus", Text, nullable=False, default=""),
    UniqueConstraint("sweep_id", "defect_id", name="uq_defect_per_sweep"),
)
Index("ix_defects_sweep_guide", defects.c.sweep_id, defects.c.guide_id)

# Why an element of a guide could not be judged (待核实): one row per reason. ``item_id`` is per
# guide and element (checks.result.incomplete_id), the id an auditor's settlement is kept under.
unsure = Table(
    "ga_unsure",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sweep_id", Integer, ForeignKey("ga_sweeps.id"), nullable=False),
    Column("guide_id", String(200), nullable=False),
    Column("item_id", String(32), nullable=False, index=True),
    Column("element", String(10), nullable=False),
    Column("rule", String(80), nullable=False, default=""),
    Column("reason", Text, nullable=False),
    Column("evidence", Text, nullable=False, default=""),
    Column("locus", Text, nullable=False, default=""),
)
Index("ix_unsure_sweep_guide", unsure.c.sweep_id, unsure.c.guide_id)

# How a sweep's guides were checked: results of different check runs are never mixed silently.
check_runs = Table(
    "ga_check_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sweep_id", Integer, ForeignKey("ga_sweeps.id"), nullable=False, index=True),
    Column("checker_version", String(40), nullable=False),
    Column("rules_digest", String(64), nullable=False),
    Column("settings", Text, nullable=False),  # JSON of the CheckSettings
    Column("captures", Text, nullable=False),  # JSON {source: [uncaptured paths]}
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# The first sweep a defect was seen in, kept apart so it survives later sweeps cheaply.
defect_first_seen = Table(
    "ga_defect_first_seen",
    metadata,
    Column("defect_id", String(32), primary_key=True),
    Column("sweep_id", Integer, ForeignKey("ga_sweeps.id"), nullable=False),
)

fetch_failures = Table(
    "ga_fetch_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sweep_id", Integer, ForeignKey("ga_sweeps.id"), nullable=False, index=True),
    Column("url", Text, nullable=False),
    Column("status", Integer),
    Column("error", Text),
    Column("referer", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Every page response a sweep received, one row per request (Scrapy's request fingerprint:
# method, URL and body, so the API family's POSTed list pages are told apart). Rows are upserted:
# a resumed sweep that fetches a list page again still counts it once, so the sweep's page
# figure is exact after any number of interruptions (Store.record_pages).
sweep_pages = Table(
    "ga_sweep_pages",
    metadata,
    Column("sweep_id", Integer, ForeignKey("ga_sweeps.id"), primary_key=True),
    Column("request_key", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    Column("status", Integer),
)

# The sweep ledger: every URL a sweep decided to fetch and how it ended (guideaudit.vocab
# LedgerState / LEDGER_KINDS). ``url`` is the URL as decided (before redirects): the ledger's
# key, what --resume retries; ``final_url`` where redirects ended (the guide's URL). A resumed
# sweep overwrites a URL's row: one row per URL and sweep, its latest outcome.
ledger = Table(
    "ga_ledger",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sweep_id", Integer, ForeignKey("ga_sweeps.id"), nullable=False),
    Column("url", Text, nullable=False),
    Column("final_url", Text),
    Column("state", String(12), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("guide_id", String(200)),
    Column("status", Integer),  # HTTP status, when there was a response
    Column("detail", Text),  # capped
    Column("referer", Text),
    Column("agency", Text),  # the unit, where known (record, list entry)
    Column("item_name", Text),
    Column("role", String(8)),  # "list" for list pages; None for other pages
    Column("unknown", Integer),  # a failed list page: guides it would have led to (None: unknown)
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("sweep_id", "url", name="uq_ledger_url"),
)
Index("ix_ledger_sweep_state", ledger.c.sweep_id, ledger.c.state)

# Auditors' decisions. Append-only: the latest decision per defect is the one in force.
reviews = Table(
    "ga_reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("defect_id", String(32), nullable=False, index=True),
    Column("guide_id", String(200), nullable=False),
    Column("status", String(10), nullable=False),  # 确认 | 误报 | 已整改
    Column("comment", Text, nullable=False, default=""),
    Column("reviewer", String(200), nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
    # The published content the decision was made on (guide_versions.published_hash): a 误报
    # holds only while it is unchanged.
    Column("content_hash", String(64), nullable=False),
    Column("sweep_id", Integer, ForeignKey("ga_sweeps.id")),
    Column("source", Text),  # the file it was imported from
)

# What a sweep saw of each guide page and attachment besides its content, for the next sweep to
# re-sweep incrementally (crawler/incremental.py): the validators it sends back (If-None-Match,
# If-Modified-Since), the list's change marker and the page's body hash it compares, and for an
# attachment the verified result a 304 stands for. ``outcome``: the sweep ledger's kind of the
# URL (vocab.LEDGER_KINDS: stored, reused) and ``how`` a reuse was decided.
validators = Table(
    "ga_validators",
    metadata,
    Column("sweep_id", Integer, ForeignKey("ga_sweeps.id"), primary_key=True),
    Column("kind", String(12), primary_key=True),  # guide | attachment
    Column("url", Text, primary_key=True),  # a guide's page URL as listed; an attachment's URL
    Column("fetch_url", Text),  # where the guide was read from (API: the detail call)
    Column("guide_id", String(200)),
    Column("etag", String(300)),
    Column("last_modified", String(64)),
    Column("marker", String(300)),
    Column("body_hash", String(64)),
    Column("outcome", String(20)),
    Column("how", String(20)),
    Column("links", Text),  # JSON: the guide's attachment URLs
    Column("follow", Text),  # JSON: links the guide page led to (followed again on reuse)
    Column("result", Text),  # JSON: an attachment's verified result
)
