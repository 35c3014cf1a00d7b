"""The demo Shenzhen kiosk catalog: valid items, the ten service areas, valid department codes."""

from govkiosk.platform.catalog.schemas import ItemContent
from govkiosk.sim.demo_catalog import DEMO_DEPARTMENTS, DEMO_ITEMS

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def passes_gb32100(code: str) -> bool:
    """Independent check of the USCC check character (GB 32100-2015)."""
    if len(code) != 18 or any(c not in ALPHABET for c in code):
        return False
    weights = [pow(3, i) % 31 for i in range(17)]
    total = sum(ALPHABET.index(c) * w for c, w in zip(code[:17], weights, strict=True))
    return ALPHABET[(31 - total % 31) % 31] == code[17]


def test_every_item_validates_as_item_content() -> None:
    assert len(DEMO_ITEMS) >= 45
    for item in DEMO_ITEMS:
        content = {k: v for k, v in item.items() if k not in ("department", "department_code")}
        ItemContent.model_validate(content)


def test_names_unique_and_required_examples_present() -> None:
    names = [item["name"] for item in DEMO_ITEMS]
    assert len(names) == len(set(names))
    for required in (
        "社会保险参保证明打印",
        "个人所得税完税证明打印",
        "住房公积金缴存证明打印",
        "居住证签注",
        "不动产登记信息查询",
        "出入境证件办理进度查询",
        "港澳通行证再次签注",
        "医保参保凭证打印",
        "灵活就业人员参保登记",
        "生育津贴申领",
        "失业保险金申领",
        "退休人员养老金查询",
        "婚姻登记预约",
        "个体工商户设立登记",
        "营业执照打印",
        "交通违法处理",
        "驾驶证期满换证",
    ):
        assert required in names


def test_all_ten_areas_present() -> None:
    departments = {item["department"] for item in DEMO_ITEMS}
    for marker in (
        "社会保险",
        "医疗保障",
        "公积金",
        "税务",
        "户政",
        "出入境",
        "不动产",
        "民政",
        "市场监督",
        "交通",
        "人力资源",
    ):
        assert any(marker in d for d in departments), marker


def test_department_codes_pass_the_check_character() -> None:
    for department in DEMO_DEPARTMENTS:
        assert department["code"].startswith("11440300")
        assert passes_gb32100(department["code"]), department
    assert not passes_gb32100(
        DEMO_DEPARTMENTS[0]["code"][:17] + "0" if DEMO_DEPARTMENTS[0]["code"][17] != "0" else "1"
    )
    for item in DEMO_ITEMS:
        assert passes_gb32100(item["department_code"])
        assert item["department_code"] in item["task_code"]


def test_kiosk_items_have_devices_and_a_kiosk_channel() -> None:
    assert any(not item["kiosk_eligible"] for item in DEMO_ITEMS)
    for item in DEMO_ITEMS:
        if item["kiosk_eligible"]:
            assert item["required_devices"], item["name"]
            assert "kiosk" in item["channels"]
        if "打印" in item["name"] and item["kiosk_eligible"]:
            assert "Printer" in item["required_devices"]


def test_hk_macau_endorsement_fee() -> None:
    item = next(i for i in DEMO_ITEMS if i["name"] == "港澳通行证再次签注")
    assert (
        ItemContent.model_validate({k: v for k, v in item.items() if "department" not in k})
        .fees[0]
        .amount_yuan
        == 15
    )
