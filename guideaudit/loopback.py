"""What counts as loopback, once: the fixture portal binds only there, and a crawl of it drops
the politeness delays meant for public portals."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

# The one name that resolves to loopback without asking DNS; everything else must be an address.
LOCALHOST = "localhost"


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost (a host as a socket takes it: no URL brackets)."""
    if not host:
        return False
    host = host.strip().lower()
    if host == LOCALHOST:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str | None) -> bool:
    return bool(url) and is_loopback_host(urlsplit(url).hostname)
