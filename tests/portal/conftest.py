"""Shared fixtures for the fixture-portal tests: one live portal per module, plain urllib."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from guideaudit.fixtures.portal import FixturePortal

from guideaudit.loopback import is_loopback_url

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, no proxy


class Fetched:
    def __init__(self, status: int, headers, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def text(self, charset: str = "utf-8") -> str:
        return self.body.decode(charset)


def fetch(url: str, data: bytes | None = None, method: str | None = None, headers: dict | None = None) -> Fetched:
    assert is_loopback_url(url), url
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=20) as resp:
            return Fetched(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        return Fetched(err.code, err.headers, err.read())


def post_json(url: str, payload) -> Fetched:
    return fetch(url, json.dumps(payload).encode("utf-8"), "POST", {"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def portal():
    with FixturePortal(n_guides=400, seed=7) as p:
        yield p
