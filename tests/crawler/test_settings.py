"""Project settings a plain `scrapy crawl` from the repository runs with."""

from __future__ import annotations

import os

import pytest
from guideaudit.crawler.pipelines.jsonl import JsonLinesPipeline
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler


def _project_settings() -> Settings:
    settings = Settings()
    settings.setmodule("guideaudit.crawler.settings", priority="project")
    return settings


def test_remote_control_server_is_off_and_items_are_few_at_a_time() -> None:
    settings = _project_settings()
    # Scrapy 2.19's remote control runs Python sent to a local port: never on for this project.
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getint("CONCURRENT_ITEMS") == 8


def test_sweep_keeps_its_own_crawl_settings() -> None:
    from guideaudit.crawler.sweep import SWEEP_SETTINGS, SweepOptions, Target, build_settings

    settings = build_settings(SweepOptions(profiles=["fixture-html"]), 1, __import__("pathlib").Path("/dev/null"),
                              [Target("generic", {}, "http://127.0.0.1:1/")])
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getint("CONCURRENT_ITEMS") == SWEEP_SETTINGS["CONCURRENT_ITEMS"] == 8
    # Extraction in worker processes, one per spare core (none on one core).
    assert settings.getint("GUIDEAUDIT_EXTRACT_WORKERS") == max(0, min(2, (os.cpu_count() or 1) - 1))


def test_jsonl_pipeline_off_without_output_is_silent(caplog: pytest.LogCaptureFixture) -> None:
    crawler = get_crawler(settings_dict={"GUIDEAUDIT_JSONL_OUT": None})
    with pytest.raises(NotConfigured) as err:
        JsonLinesPipeline.from_crawler(crawler)
    # Scrapy logs "Disabled …" as a warning only when NotConfigured carries a message.
    assert err.value.args == ()
    assert not [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")]


def test_every_crawl_collects_garbage_less_often_and_freezes_its_startup_objects() -> None:
    """crawler/gcpolicy.py: on with the project's settings (any `scrapy crawl`, every sweep);
    checked in a child process so this test process keeps its own collector."""
    import subprocess
    import sys

    settings = _project_settings()
    assert "guideaudit.crawler.gcpolicy.CrawlGc" in settings.getdict("EXTENSIONS")
    code = (
        "import gc, json\n"
        "from scrapy import signals\n"
        "from scrapy.utils.test import get_crawler\n"
        "from guideaudit.crawler.gcpolicy import CrawlGc\n"
        "crawler = get_crawler()\n"
        "before = (gc.get_threshold(), gc.get_freeze_count())\n"
        "ext = CrawlGc.from_crawler(crawler)  # the extension manager keeps it alive\n"
        "crawler.signals.send_catch_log(signals.engine_started)\n"
        "print(json.dumps([before, (gc.get_threshold(), gc.get_freeze_count())]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    import json

    (threshold_before, frozen_before), (threshold_after, frozen_after) = json.loads(out)
    assert threshold_before == [700, 10, 10] and frozen_before == 0
    assert threshold_after == [50_000, 10, 10] and frozen_after > 10_000  # modules, settings, crawler
