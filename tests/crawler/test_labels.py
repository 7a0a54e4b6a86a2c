"""Label synonyms and fuzzy matching (crawler/labels.yaml)."""

from __future__ import annotations

import pytest
import yaml
from guideaudit.crawler.extract.labels import Labels, default_labels, normalise_label


@pytest.mark.parametrize(
    "label,field",
    [
        ("承诺期限", "promised_limit"),
        ("承诺办理时限", "promised_limit"),
        ("承诺时限", "promised_limit"),
        ("承诺办结时限：", "promised_limit"),
        ("*承诺办结时限", "promised_limit"),
        ("法定办结时限", "statutory_limit"),
        ("法定期限", "statutory_limit"),
        ("到现场办理的次数", "onsite_visits"),
        ("到现场窗口次数", "onsite_visits"),
        ("咨询联系电话", "consult"),
        ("联系电话", "consult"),
        ("监督投诉电话", "complaint"),
        ("（一）办理地点：", "location"),
        ("十、设定依据", "legal_basis"),
        ("咨 询 方 式", "consult"),
        ("承诺办结期限", "promised_limit"),  # not in the table: fuzzy
        ("到办事现场的次数", "onsite_visits"),  # not in the table: fuzzy
    ],
)
def test_label_maps_to_field(label: str, field: str) -> None:
    assert default_labels().fields.field(label) == field


@pytest.mark.parametrize("label", ["办理形式", "服务对象", "权力来源", "通办范围", "网上办理", "主办单位", "其他"])
def test_unrelated_labels_map_to_nothing(label: str) -> None:
    assert default_labels().fields.field(label) is None


def test_statutory_and_promised_are_never_confused() -> None:
    labels = default_labels().fields
    for word in ("办结时限", "办理时限", "时限", "期限"):
        assert labels.field("法定" + word) == "statutory_limit"
        assert labels.field("承诺" + word) == "promised_limit"


def test_material_and_step_headers() -> None:
    labels = default_labels()
    assert labels.materials.field("来源渠道") == "source"
    assert labels.materials.field("出具单位") == "source"
    assert labels.materials.field("复印件数量") == "copies"
    assert labels.materials.field("示例样表下载") == "sample_form"
    assert labels.materials.field("空白表格下载") == "blank_form"
    assert labels.steps.field("承办岗位") == "handler"
    assert labels.steps.field("审核标准") == "criteria"


def test_normalise_label_strips_decoration() -> None:
    assert normalise_label(" 1. 办理时间： ") == "办理时间"
    assert normalise_label("【承诺时限】") == "承诺时限"


def test_table_refuses_unknown_fields() -> None:
    with pytest.raises(ValueError, match="promise_limit"):
        Labels(yaml.safe_load("fields: {promise_limit: [承诺时限]}"))


@pytest.mark.parametrize("label", ["法定办结时限说明", "承诺办结时限说明", "监督投诉地址", "审批结果类型"])
def test_notes_about_a_field_are_not_the_field(label: str) -> None:
    assert default_labels().fields.field(label) is None
