import json

import pytest

from guideaudit.record import GuideRecord, RecordError, load_records, parse_record


def test_id_prefers_handling_item_code_then_implementation_code_then_url_hash():
    full = parse_record({"handling_item_code": "A01", "implementation_code": "B", "url": "http://x"})
    impl = parse_record({"implementation_code": "B", "url": "http://x"})
    by_url = parse_record({"url": "http://x/1"})
    assert (full.id, impl.id) == ("A01", "B")
    assert by_url.id.startswith("url-") and by_url.id == parse_record({"url": "http://x/1"}).id


def test_a_guide_without_code_keeps_its_id_when_the_portal_moves():
    here = parse_record({"url": "http://127.0.0.1:8000/bszn/g.html?id=7&_t=123", "portal": "jiangcheng"})
    moved = parse_record({"url": "https://127.0.0.1:9443/bszn/g.html?id=7", "portal": "jiangcheng"})
    other = parse_record({"url": "http://127.0.0.1:8000/bszn/g.html?id=8", "portal": "jiangcheng"})
    assert here.id == moved.id != other.id


def test_numbers_from_json_apis_are_kept_as_their_text():
    rec = parse_record({"url": "u", "onsite_visits": 0, "materials": [{"copies": 2, "originals": 1.0}]})
    assert rec.onsite_visits == "0"
    assert (rec.materials[0].copies, rec.materials[0].originals) == ("2", "1")


def test_null_and_empty_string_stay_distinct():
    rec = parse_record({"url": "u", "hours": "", "location": None})
    assert rec.hours == "" and rec.location is None


def test_misspelt_field_is_refused_with_file_line_and_nearest_name(tmp_path):
    path = tmp_path / "guides.jsonl"
    path.write_text(
        json.dumps({"url": "a"}) + "\n" + json.dumps({"url": "b", "promise_limit": "5个工作日"}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(RecordError) as info:
        list(load_records([path]))
    message = str(info.value)
    assert str(path) in message and "第2行" in message
    assert "promise_limit" in message and "promised_limit" in message


def test_wrong_type_in_material_names_the_nested_field(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"url": "a", "materials": [{"name": ["x"]}]}), encoding="utf-8")
    with pytest.raises(RecordError) as info:
        list(load_records([path]))
    assert info.value.field == "materials.0.name"


def test_folder_of_json_and_jsonl_is_read_in_order(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([{"url": "1"}, {"url": "2"}]), encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "b.jsonl").write_text(json.dumps({"url": "3"}) + "\n\n", encoding="utf-8")
    assert [r.url for r in load_records([tmp_path])] == ["1", "2", "3"]


def test_content_hash_ignores_fetch_time_but_not_content():
    a = GuideRecord(url="u", hours="9:00-17:00", fetched_at="2026-01-01")
    b = GuideRecord(url="u", hours="9:00-17:00", fetched_at="2026-02-01")
    c = GuideRecord(url="u", hours="9:00-17:30", fetched_at="2026-01-01")
    assert a.content_hash() == b.content_hash() != c.content_hash()

