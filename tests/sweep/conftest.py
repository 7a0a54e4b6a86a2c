"""One fixture portal for the whole sweep area (generating 2,400 guides is not free), with one
guide page that always answers 404: every sweep of the HTML family meets a fetch failure."""

from __future__ import annotations

import pytest

N_GUIDES = 2400


@pytest.fixture(scope="session")
def portal():
    from guideaudit.fixtures.portal import FixturePortal

    with FixturePortal(n_guides=N_GUIDES, seed=2026, port=0, process=False) as p:
        yield p


@pytest.fixture(scope="session")
def truth(portal):
    return portal.ground_truth()


@pytest.fixture(scope="session")
def failing_guide(portal, truth):
    guide = next(g for g in truth if g.portal == "fixture-html")
    portal.set_failing(guide.id, 404)
    return guide
