"""The fujian profile's mapping on real 福建网上办事大厅 responses (fixtures/realdata/fujian/)."""

from __future__ import annotations

import json
from pathlib import Path

from guideaudit.crawler.extract.jsonmap import map_record
from guideaudit.crawler.profiles import load_profile
from guideaudit.crawler.spiders.api import not_a_guide

from guideaudit.cli import main

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "realdata" / "fujian"
API = "https://zwfw.fujian.gov.cn:732/cms-business/apasService/getMatterBasicInfo?unid=X"


def _record(detail: str, materials: str | None = None):
    profile = load_profile("fujian")
    document = {"detail": json.loads((REAL / detail).read_text("utf-8"))}
    if materials:
        document["materials"] = json.loads((REAL / materials).read_text("utf-8"))
    assert not_a_guide(profile.api.detail, document["detail"]) is None
    return map_record(profile.api.record, document, api_url=API, url="https://zwfw.fujian.gov.cn/g", portal="fujian")


def test_energy_review_guide_fields() -> None:
    r = _record("matter_basic_info_4485fea.json")
    assert r.item_name == "市县级工业企业固定资产投资项目（除能源行业外）节能审查"
    assert r.id == r.handling_item_code == "113501000036044088300010400200001"
    assert r.implementation_code == "1135010000360440883000104002000"
    assert r.basic_code == "000104002000"
    assert r.agency == "福州市工业和信息化局" and r.agency_code == "113501000036044088"
    assert r.item_type == "行政许可" and r.case_type == "承诺件" and r.level == "市级"
    assert r.promised_limit == "1工作日"  # promiseday + promisedayMethod
    assert r.statutory_limit == "20"  # lawlimit has no unit field: published as is
    assert r.location == "福州市台江区高桥路69号福州市政务服务中心4层424-426、429-431窗口"
    assert r.hours.startswith("工作日上午：9:00-12:00")
    assert r.consult == "0591-87276673"
    assert "0591-87528211" in r.complaint
    assert r.onsite_visits == "0"
    assert r.special_steps == "委托节能评审"
    assert r.result_name == "关于x x公司x x 项目节能报告的审查意见"
    assert r.result_sample.url == "https://zwfw.fujian.gov.cn:732/cms-business/file/downloadFile?unid=862A70962FB919178320BA65821ADEF4"
    assert r.result_sample.name == "关于  公司  项目节能报告的审查意见.docx"
    assert r.extra["办理形式"] == "窗口办理，网上办理，快递申请"


def test_placeholders_equal_to_key_names_are_absent() -> None:
    r = _record("matter_basic_info_4485fea.json")
    # "chargeAccord": "chargeAccord", "webApplyDegreeName": "webApplyDegreeName（Ⅳ级）", …
    assert r.fee_basis is None
    assert r.online_depth is None
    assert r.onsite_reason is None  # "sceneReason": "sceneReason"
    assert r.online_payment is None  # "onlinePay": "onlinePay"


def test_empty_address_falls_back_to_receive_address() -> None:
    r = _record("matter_basic_info_16e8cb2.json")
    assert r.item_name == "临时行驶车号牌核发（设区的市级权限）"
    assert r.location == "仓山区城门镇黄山村南三环路车管所"  # acceptAddress is ""
    assert r.hours == ""  # officeTime published empty
    assert r.case_type == "即办件"
    assert r.consult == "0591-12123"
    assert r.intermediary == "机动车安全技术检验"
    assert r.online_depth == "全程网办（Ⅳ级）"
    assert r.express == "是"
    assert r.fee == "Y"


def test_materials_grouped_by_situation_are_listed_once() -> None:
    r = _record("matter_basic_info_16e8cb2.json", "material_list_f8e2877.json")
    names = [m.name for m in r.materials]
    assert len(names) == len(set(names)) == 17  # 43 entries in 4 情形, choices under children
    first = r.materials[0]
    assert first.name == "《林草种子生产经营许可证》申请表（种子类、苗木类）"
    assert (first.source, first.originals, first.copies, first.medium, first.required) == (
        "申请人自备", "1", None, "原件", "1")
    assert "技术人员学历证书" in names  # a 多选一 child
    diploma = r.materials[names.index("技术人员学历证书")]
    assert (diploma.medium, diploma.copies, diploma.source) == ("复印件", "1", "普通高等学校和中等职业学校")


def test_extract_command_runs_the_same_mapping(capsys) -> None:
    code = main(["extract", str(REAL / "matter_basic_info_4485fea.json"), "--profile", "fujian",
                 "--part", f"materials={REAL / 'material_list_f8e2877.json'}", "--url", API])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert record["id"] == "113501000036044088300010400200001"
    assert len(record["materials"]) == 17
    assert record["portal"] == "fujian"


def test_list_response_is_not_a_detail() -> None:
    profile = load_profile("fujian")
    listing = json.loads((REAL / "listing_8c49170.json").read_text("utf-8"))
    assert not_a_guide(profile.api.detail, listing) is not None
