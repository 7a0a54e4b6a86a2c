"""Which Chromium Playwright drives.

Playwright's own browser download cannot work on an offline machine, so guideaudit drives a
system Chromium: GUIDEAUDIT_CHROMIUM if set, else the first of chromium, chromium-browser,
google-chrome found on PATH (Debian's package installs /usr/bin/chromium).
"""

from __future__ import annotations

import os
import shutil

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Without the background-networking flags Chromium keeps dialling out to Google's services,
# which a closed network refuses; a sweep must only ever talk to the portal.
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
)


class BrowserNotFound(RuntimeError):
    pass


def chromium_path() -> str:
    explicit = os.environ.get("GUIDEAUDIT_CHROMIUM")
    if explicit:
        if not os.path.exists(explicit):
            raise BrowserNotFound(f"GUIDEAUDIT_CHROMIUM 指向的浏览器不存在：{explicit}")
        return explicit
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserNotFound(
        "未找到 Chromium。Debian/Ubuntu 上运行 `apt-get install chromium`，"
        "或设置环境变量 GUIDEAUDIT_CHROMIUM 为浏览器可执行文件的路径。"
    )


def launch_options(headless: bool = True) -> dict:
    """Options for playwright's ``chromium.launch`` (also PLAYWRIGHT_LAUNCH_OPTIONS in Scrapy)."""
    return {"executable_path": chromium_path(), "headless": headless, "args": list(LAUNCH_ARGS)}
