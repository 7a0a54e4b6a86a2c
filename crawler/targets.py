"""Which spiders a sweep runs, with which arguments (used by crawler/sweep.py).

One target per profile (its family's spider), or the generic spider for a bare ``--url``.
Guide URLs the sweep already stored (``--resume``) are passed as ``skip_urls`` so they are
not fetched twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from .profiles import ProfileError, load_profile
from .spiders import spider_for


class SweepInputError(ValueError):
    """Bad sweep input (unknown profile, bad URL, bad --set): exit 2."""


@dataclass
class Target:
    """One crawler of the sweep: a spider (name or class) and its arguments."""

    spider: object
    kwargs: dict
    start_url: str | None


def start_url_of(profile_name: str | None, base_url: str | None, url: str | None) -> str | None:
    if url:
        return url
    if profile_name is None:
        return None
    profile = load_profile(profile_name)
    base = (base_url or profile.base_url or "").rstrip("/")
    if not base:
        return None
    if profile.family == "api":
        return urljoin(base + "/", profile.api.list.url.lstrip("/"))
    if profile.start_paths:
        return urljoin(base + "/", profile.start_paths[0].lstrip("/"))
    return urljoin(base + "/", profile.list_pages.url.format(page=profile.list_pages.first_page).lstrip("/"))


@dataclass
class RetryPlan:
    """An exact resume of a finished sweep (crawler/sweep.py): the ledger rows to fetch again
    (failed, blocked, failed list pages) and every URL the sweep already settled otherwise."""

    rows: list[dict]
    settled: set[str]
    unowned: list[dict] = field(default_factory=list)  # rows no spider of the sweep can rebuild


def assign_retry(targets: list[Target], plan: RetryPlan) -> bool:
    """Give each target the rows of ``plan`` it can rebuild (an API profile its list pages and
    detail answers, the page spider the other pages of its host) and the settled URLs to skip.
    False when a spider of the sweep cannot resume exactly (the sweep then walks again)."""
    if not all(getattr(t.spider, "exact_resume", False) for t in targets):
        return False
    left = list(plan.rows)
    # page spiders take what no API profile claims
    for target in sorted(targets, key=lambda t: getattr(t.spider, "family", "") == "html"):
        profile = load_profile(target.kwargs["profile"]) if target.kwargs.get("profile") else None
        base = target.kwargs.get("base_url") or (profile.base_url if profile else None) or ""
        owns = target.spider.owns_key
        mine = [r for r in left if owns(profile, base, r["url"])]
        taken = {id(r) for r in mine}
        left = [r for r in left if id(r) not in taken]
        target.kwargs["retry"] = mine
        target.kwargs["skip_urls"] = set(target.kwargs.get("skip_urls") or ()) | plan.settled
    plan.unowned = left
    return True


def targets_for(options: Any, done_urls: set[str]) -> list[Any]:
    """``options``: crawler.sweep.SweepOptions."""
    targets = []
    names = list(options.profiles) or [None]
    for name in names:
        try:
            spider = spider_for(name, options.url)
            profile = load_profile(name) if name else None
        except (ProfileError, ValueError) as err:
            raise SweepInputError(str(err)) from None
        base_url = options.base_url
        if base_url is None and options.url:
            parts = urlsplit(options.url)
            base_url = f"{parts.scheme}://{parts.netloc}"
        if profile is not None and profile.base_url is None and not base_url:
            raise SweepInputError(f"门户配置 {name} 没有固定地址，需要 --base-url（如 http://127.0.0.1:8765）")
        kwargs: dict[str, Any] = {"skip_urls": set(done_urls)}
        if name:
            kwargs["profile"] = name
        if base_url:
            kwargs["base_url"] = base_url
        # A bare --url starts the generic spider there; with a profile the profile's own
        # start pages are used and --url only gives the host.
        if options.url and not name:
            kwargs["url"] = options.url
        if getattr(options, "max_guides", None):
            kwargs["max_guides"] = options.max_guides
        targets.append(Target(spider, kwargs, start_url_of(name, base_url, options.url if not name else None)))
    return targets
