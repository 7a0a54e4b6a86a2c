"""Every portal profile loads, validates and maps only to real record fields."""

from __future__ import annotations

import pytest
from guideaudit.crawler.extract.jsonmap import map_record
from guideaudit.crawler.profiles import ProfileError, load_profile, load_profile_file, profile_names
from guideaudit.crawler.spiders import spider_for

from guideaudit.record import FIELD_NAMES, Material, Step

REAL = {"guangdong", "fujian", "sichuan", "zhejiang"}
FIXTURE = {"fixture-html", "fixture-api", "fixture-js"}


def test_every_expected_profile_is_bundled() -> None:
    assert REAL | FIXTURE <= set(profile_names())


@pytest.mark.parametrize("name", sorted(REAL | FIXTURE))
def test_profile_loads_and_is_consistent(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    spider = spider_for(name)
    assert spider.family == profile.family
    if name in REAL:
        assert profile.verified_live is False and profile.base_url  # said in the file, and a host
        assert "未在真实门户上验证" in profile.note
    if profile.api is not None:
        record = profile.api.record
        assert set(record.fields) <= set(FIELD_NAMES) - {"materials", "steps", "result_sample", "extra"}
        for spec, model in ((record.materials, Material), (record.steps, Step)):
            if spec is not None:
                assert set(spec.fields) <= set(model.model_fields)
        # An empty detail maps to a record of Nones without raising.
        empty = map_record(record, {"detail": {}}, api_url="http://127.0.0.1/", url="http://127.0.0.1/g", portal=name)
        assert empty.item_name is None


def test_unknown_profile_names_the_available_ones() -> None:
    with pytest.raises(ProfileError, match="fixture-html"):
        load_profile("nowhere")


def test_bad_profile_file_names_file_and_key(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ntitle: 测试\nfamily: html\nstart_paths: [/]\nwait_forr: x\n", "utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile_file(path)
    assert "bad.yaml" in str(err.value) and "wait_forr" in str(err.value)
    path.write_text("name: x\ntitle: 测试\nfamily: api\n", "utf-8")
    with pytest.raises(ProfileError, match="api"):
        load_profile_file(path)
