"""Demo catalog (演示事项目录): Shenzhen kiosk items (深圳市 政务服务自助终端事项), realistic but invented.

Each item is a dict that validates as `ItemContent` plus `department` and `department_code`. Department
codes are made-up USCC-like codes (统一社会信用代码) whose embedded organisation code (GB 11714) and GB 32100
check character are valid; task codes are
catalog code – region – 000 – department USCC – 1 – 00. Fees, limits and materials follow common
Shenzhen practice for demo purposes only; nothing here is an official list.
"""

from __future__ import annotations

from typing import Any

from govkiosk.platform.catalog.codes import org_code_check_char

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CITY = "440300000000"

# The catalog-code type letter. NOTE: this mapping must match `platform/catalog/codes.py` (written by
# another engineer); it will be reconciled there.
TYPE_LETTER = {"BM": "C", "GG": "C", "XK": "A", "QR": "F", "GF": "G"}


def uscc_check(body: str) -> str:
    """GB 32100 check character for the first 17 characters of a USCC."""
    total = sum(_USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def _uscc(org: str) -> str:
    org = org[:8] + org_code_check_char(org[:8])  # the embedded organisation code (GB 11714) checks too
    body = "11440300" + org
    return body + uscc_check(body)


_DEPTS: dict[str, tuple[str, str, str]] = {  # key: (name, 9-char organisation part, level)
    "si": ("深圳市社会保险基金管理局", "MB2C01357", "city"),
    "hi": ("深圳市医疗保障局", "MB2C03482", "city"),
    "hf": ("深圳市住房公积金管理中心", "MB2C05610", "city"),
    "tax": ("国家税务总局深圳市税务局", "MB2C07745", "city"),
    "hk": ("深圳市公安局户政管理处", "MB2C09873", "city"),
    "exit": ("深圳市公安局出入境管理局", "MB2C11908", "city"),
    "re": ("深圳市不动产登记中心", "MB2C13026", "city"),
    "ca": ("深圳市民政局", "MB2C15154", "city"),
    "amr": ("深圳市市场监督管理局", "MB2C17289", "city"),
    "tr": ("深圳市交通运输局", "MB2C19317", "city"),
    "tp": ("深圳市公安局交通警察支队", "MB2C21445", "city"),
    "hr": ("深圳市人力资源和社会保障局", "MB2C23570", "city"),
    "ft": ("深圳市福田区政务服务数据管理局", "MB2C25698", "district"),
}
DEMO_DEPARTMENTS: list[dict[str, str]] = [
    {"key": k, "name": n, "code": _uscc(org), "level": lvl} for k, (n, org, lvl) in _DEPTS.items()
]
_CODE = {d["key"]: d["code"] for d in DEMO_DEPARTMENTS}

# Device profiles: what a kiosk needs for each kind of service.
_PRINT = ["IdCardReader", "Printer"]
_FACE = ["IdCardReader", "Biometric", "Camera"]
_FACE_PRINT = ["IdCardReader", "Biometric", "Camera", "Printer"]
_SCAN = ["IdCardReader", "Biometric", "Camera", "DocumentScanner"]
_CARD = ["IdCardReader", "CardReader", "Biometric", "Camera"]
_QUERY = ["IdCardReader"]

_ID = {"name": "居民身份证", "originals": 1, "copies": 0, "elicence_type": "居民身份证"}
_HUKOU = {"name": "居民户口簿", "originals": 1, "copies": 1, "elicence_type": "居民户口簿"}
_MARRIAGE = {"name": "结婚证", "originals": 1, "copies": 1, "elicence_type": "结婚证"}
_LICENCE = {"name": "营业执照", "originals": 1, "copies": 0, "elicence_type": "营业执照"}
_PROPERTY = {"name": "不动产权证书", "originals": 1, "copies": 1, "elicence_type": "不动产权证书"}
_DRIVING = {"name": "机动车驾驶证", "originals": 1, "copies": 0, "elicence_type": "驾驶证"}
_RESIDENCE = {"name": "深圳经济特区居住证", "originals": 1, "copies": 0, "elicence_type": "居住证"}
_PHOTO = {"name": "近期免冠彩色证件照片", "originals": 1, "copies": 0, "note": "可在终端现场拍摄"}
_BANK = {"name": "本人社会保障卡或银行账户信息", "originals": 1, "copies": 0}

_ON_SPOT = ["申请人本人办理", "持有效居民身份证"]
# (name, department, type, devices, topics, keywords, extra conditions, materials, promised days)
_SPECS: list[tuple[Any, ...]] = [
    (
        "社会保险参保证明打印",
        "si",
        "BM",
        _PRINT,
        ["社会保险"],
        ["社保参保证明打印", "参保凭证"],
        ["已在深圳参加社会保险"],
        [_ID],
        0,
    ),
    (
        "社会保险个人缴费明细查询",
        "si",
        "BM",
        _QUERY,
        ["社会保险"],
        ["社保缴费记录"],
        ["已在深圳参加社会保险"],
        [_ID],
        0,
    ),
    (
        "社会保障卡申领",
        "si",
        "GG",
        _FACE_PRINT,
        ["社会保险"],
        ["社保卡办理"],
        ["未申领过深圳社会保障卡"],
        [_ID, _PHOTO],
        10,
    ),
    ("社会保障卡临时挂失", "si", "GG", _CARD, ["社会保险"], ["社保卡挂失"], [], [_ID], 0),
    ("社会保障卡密码重置", "si", "GG", _CARD, ["社会保险"], ["社保卡密码"], [], [_ID], 0),
    (
        "灵活就业人员参保登记",
        "si",
        "QR",
        _FACE,
        ["就业", "社会保险"],
        ["灵活就业参保"],
        ["具有深圳户籍的灵活就业人员"],
        [_ID],
        0,
    ),
    (
        "生育津贴申领",
        "si",
        "GF",
        _SCAN,
        ["生育"],
        ["产假工资"],
        ["已参加生育保险且符合缴费年限"],
        [_ID, {"name": "出生医学证明", "originals": 1, "copies": 1, "elicence_type": "出生医学证明"}, _BANK],
        15,
    ),
    ("退休人员养老金查询", "si", "BM", _QUERY, ["养老"], ["养老金发放记录"], ["已办理退休"], [_ID], 0),
    (
        "养老保险待遇资格认证",
        "si",
        "GG",
        _FACE,
        ["养老"],
        ["生存认证", "刷脸认证"],
        ["正在领取基本养老金"],
        [_ID],
        0,
    ),
    (
        "医保参保凭证打印",
        "hi",
        "BM",
        _PRINT,
        ["医疗"],
        ["医保参保证明"],
        ["已参加深圳基本医疗保险"],
        [_ID],
        0,
    ),
    ("医疗保险个人账户查询", "hi", "BM", _QUERY, ["医疗"], ["医保余额"], [], [_ID], 0),
    (
        "门诊特定病种待遇申请",
        "hi",
        "GF",
        _SCAN,
        ["医疗"],
        ["门特", "慢性病"],
        ["经定点医院诊断为门诊特定病种"],
        [_ID, {"name": "门诊特定病种诊断证明", "originals": 1, "copies": 0}],
        5,
    ),
    ("异地就医备案", "hi", "GG", _FACE, ["医疗"], ["异地就医"], ["参加深圳基本医疗保险"], [_ID], 0),
    (
        "少儿医保参保登记",
        "hi",
        "QR",
        _SCAN,
        ["医疗", "生育"],
        ["新生儿参保"],
        ["深圳户籍或持居住证家庭的未成年人"],
        [_HUKOU, {"name": "出生医学证明", "originals": 1, "copies": 0, "elicence_type": "出生医学证明"}],
        0,
    ),
    (
        "住房公积金缴存证明打印",
        "hf",
        "BM",
        _PRINT,
        ["住房"],
        ["公积金证明"],
        ["已在深圳缴存住房公积金"],
        [_ID],
        0,
    ),
    ("住房公积金个人账户查询", "hf", "BM", _QUERY, ["住房"], ["公积金余额"], [], [_ID], 0),
    (
        "住房公积金租房提取",
        "hf",
        "GG",
        _FACE,
        ["住房"],
        ["公积金提取", "租房提取"],
        ["本人及配偶在深圳无自有住房", "连续足额缴存满3个月"],
        [_ID, _BANK],
        3,
    ),
    (
        "住房公积金贷款还款提取",
        "hf",
        "GG",
        _FACE,
        ["住房"],
        ["公积金还贷"],
        ["正在偿还住房贷款"],
        [_ID, _BANK],
        3,
    ),
    (
        "个人所得税完税证明打印",
        "tax",
        "BM",
        _PRINT,
        ["纳税"],
        ["纳税记录开具", "个税证明"],
        ["在深圳有个人所得税纳税记录"],
        [_ID],
        0,
    ),
    (
        "个人所得税综合所得年度汇算",
        "tax",
        "GG",
        _FACE,
        ["纳税"],
        ["个税汇算", "退税"],
        ["纳税年度内取得综合所得"],
        [_ID],
        0,
    ),
    (
        "发票领用",
        "tax",
        "GG",
        ["IdCardReader", "Biometric", "Camera", "Printer"],
        ["开办企业", "纳税"],
        ["领票"],
        ["已办理税务登记的纳税人"],
        [_ID],
        0,
    ),
    ("车船税缴纳", "tax", "BM", ["IdCardReader", "Printer"], ["出行", "纳税"], ["车船税"], [], [_ID], 0),
    (
        "居住证签注",
        "hk",
        "QR",
        _FACE_PRINT,
        ["户籍"],
        ["居住证续期", "居住证年审"],
        ["持有深圳经济特区居住证", "在深连续居住满一年"],
        [_RESIDENCE, _ID],
        0,
    ),
    (
        "居住证申领",
        "hk",
        "QR",
        _SCAN,
        ["户籍"],
        ["办居住证"],
        ["在深圳居住满6个月", "有合法稳定住所"],
        [_ID, _PHOTO],
        10,
    ),
    ("户籍证明开具", "hk", "BM", _FACE_PRINT, ["户籍"], ["户口证明"], ["深圳户籍人员"], [_ID, _HUKOU], 0),
    ("身份证丢失补领", "hk", "QR", _FACE, ["户籍"], ["补办身份证"], ["深圳户籍人员"], [_HUKOU, _PHOTO], 20),
    ("身份证办理进度查询", "hk", "BM", _QUERY, ["户籍"], ["身份证进度"], [], [_ID], 0),
    ("出入境证件办理进度查询", "exit", "BM", _QUERY, ["出行"], ["护照进度", "通行证进度"], [], [_ID], 0),
    (
        "港澳通行证再次签注",
        "exit",
        "QR",
        _FACE_PRINT,
        ["出行"],
        ["港澳签注", "续签"],
        ["持有效电子往来港澳通行证"],
        [_ID, {"name": "往来港澳通行证", "originals": 1, "copies": 0}],
        0,
    ),
    (
        "台湾通行证再次签注",
        "exit",
        "QR",
        _FACE_PRINT,
        ["出行"],
        ["赴台签注"],
        ["持有效电子往来台湾通行证"],
        [_ID, {"name": "往来台湾通行证", "originals": 1, "copies": 0}],
        0,
    ),
    ("普通护照申领", "exit", "XK", _SCAN, ["出行"], ["办护照"], ["中国公民本人申请"], [_ID, _PHOTO], 7),
    (
        "不动产登记信息查询",
        "re",
        "BM",
        _FACE_PRINT,
        ["不动产"],
        ["房产查询", "查档"],
        ["权利人本人查询"],
        [_ID],
        0,
    ),
    (
        "不动产权证书打印",
        "re",
        "BM",
        _FACE_PRINT,
        ["不动产"],
        ["房产证打印"],
        ["登记已完成且未领证"],
        [_ID],
        0,
    ),
    (
        "不动产抵押登记",
        "re",
        "QR",
        _SCAN,
        ["不动产", "住房"],
        ["房产抵押"],
        ["抵押合同已签订"],
        [_ID, _PROPERTY, {"name": "抵押合同", "originals": 1, "copies": 0}],
        5,
    ),
    (
        "婚姻登记预约",
        "ca",
        "BM",
        _QUERY,
        ["婚姻"],
        ["结婚预约", "离婚预约"],
        ["双方或一方为深圳户籍"],
        [_ID],
        0,
    ),
    ("婚姻登记记录证明", "ca", "QR", _FACE_PRINT, ["婚姻"], ["婚姻状况证明"], ["本人申请"], [_ID, _HUKOU], 0),
    (
        "最低生活保障申请",
        "ca",
        "GF",
        _SCAN,
        ["社会救助"],
        ["低保申请"],
        ["深圳户籍", "家庭人均收入低于低保标准"],
        [_ID, _HUKOU],
        30,
    ),
    (
        "高龄老人津贴申请",
        "ca",
        "GF",
        _SCAN,
        ["养老"],
        ["长寿补贴"],
        ["深圳户籍且年满80周岁"],
        [_ID, _HUKOU, _BANK],
        20,
    ),
    (
        "个体工商户设立登记",
        "amr",
        "XK",
        _SCAN,
        ["开办企业"],
        ["个体户注册"],
        ["有经营能力的自然人", "有经营场所"],
        [_ID, {"name": "经营场所使用证明", "originals": 1, "copies": 0}],
        1,
    ),
    (
        "营业执照打印",
        "amr",
        "BM",
        ["IdCardReader", "Biometric", "Camera", "Printer"],
        ["开办企业"],
        ["执照自助打印"],
        ["登记已核准"],
        [_ID],
        0,
    ),
    ("企业登记信息查询", "amr", "BM", _QUERY, ["开办企业"], ["工商信息"], [], [], 0),
    (
        "交通违法处理",
        "tp",
        "BM",
        _FACE_PRINT,
        ["出行"],
        ["违章处理", "罚款缴纳"],
        ["违法事实清楚且适用简易程序"],
        [_DRIVING],
        0,
    ),
    (
        "驾驶证期满换证",
        "tp",
        "QR",
        _FACE_PRINT,
        ["出行"],
        ["驾照换证"],
        ["驾驶证有效期满前90日内", "体检合格"],
        [_ID, _DRIVING, {"name": "身体条件证明", "originals": 1, "copies": 0}],
        0,
    ),
    ("驾驶证遗失补领", "tp", "QR", _FACE, ["出行"], ["驾照补办"], ["驾驶证在有效期内"], [_ID], 0),
    ("机动车检验标志电子凭证打印", "tp", "BM", _PRINT, ["出行"], ["年检标志"], ["机动车检验合格"], [_ID], 0),
    (
        "深圳通学生卡申请",
        "tr",
        "GG",
        _SCAN,
        ["出行", "教育"],
        ["学生公交卡"],
        ["在深就读的中小学生"],
        [_HUKOU, _PHOTO],
        15,
    ),
    (
        "网约车驾驶员证申请",
        "tr",
        "XK",
        _SCAN,
        ["就业", "出行"],
        ["网约车资格证"],
        ["取得驾驶证满3年", "无交通肇事犯罪记录"],
        [_ID, _DRIVING],
        20,
    ),
    (
        "失业保险金申领",
        "hr",
        "GF",
        _FACE,
        ["就业"],
        ["失业金"],
        ["非本人意愿中断就业", "已办理失业登记"],
        [_ID, _BANK],
        10,
    ),
    ("就业登记", "hr", "QR", _FACE, ["就业"], ["就业失业登记"], ["在深圳就业"], [_ID], 0),
    ("职业技能等级证书查询打印", "hr", "BM", _PRINT, ["就业"], ["技能证书"], [], [_ID], 0),
    (
        "人才引进落户申请",
        "hr",
        "XK",
        _SCAN,
        ["户籍", "就业"],
        ["人才落户"],
        ["符合深圳人才引进条件"],
        [_ID, {"name": "学历学位证书", "originals": 1, "copies": 1, "elicence_type": "学位证书"}],
        15,
    ),
    (
        "福田区残疾人两项补贴申请",
        "ft",
        "GF",
        _SCAN,
        ["残疾人"],
        ["残疾补贴"],
        ["福田区户籍持证残疾人"],
        [_ID, {"name": "残疾人证", "originals": 1, "copies": 1, "elicence_type": "残疾人证"}],
        20,
    ),
]
_FEES = {"港澳通行证再次签注": 15, "台湾通行证再次签注": 15, "普通护照申领": 120}
_NOT_AT_KIOSK = {"普通护照申领", "人才引进落户申请", "最低生活保障申请"}  # need an interview or field check
_APPLICANT_LEGAL = {"发票领用", "营业执照打印", "企业登记信息查询"}


def _catalog_code(index: int, item_type: str) -> str:
    return f"440{TYPE_LETTER[item_type]}{index:010d}"


def _item(index: int, spec: tuple[Any, ...]) -> dict[str, Any]:
    name, dept, item_type, devices, topics, keywords, conditions, materials, days = spec
    catalog_code = _catalog_code(index, item_type)
    region = "440304000000" if dept == "ft" else CITY
    fee = _FEES.get(name)
    kiosk = name not in _NOT_AT_KIOSK
    return {
        "name": name,
        "department": _DEPTS[dept][0],
        "department_code": _CODE[dept],
        "catalog_code": catalog_code,
        "task_code": f"{catalog_code}-{region}-000-{_CODE[dept]}-1-00",
        "item_type": item_type,
        "tier": "business" if item_type in ("XK", "QR") else "sub",
        "business_kind": "new" if item_type in ("XK", "QR") else None,
        "handling_level": "district" if dept == "ft" else "city",
        "region_code": region,
        "applicant_types": ["legal"] if name in _APPLICANT_LEGAL else ["natural"],
        "conditions": [*_ON_SPOT, *conditions][:5],
        "materials": materials,
        "legal_limit": {"value": max(days, 20) if days else 0},
        "promised_limit": {"value": days},
        "fees": [{"name": f"{name}费", "amount_yuan": fee, "basis": "国家发展改革委 财政部规定的收费标准"}]
        if fee
        else [],
        "anywhere_scope": "city" if dept != "ft" else "district",
        "channels": ["window", "online", "mobile", "kiosk"] if kiosk else ["window", "online"],
        "kiosk_eligible": kiosk,
        "required_devices": devices if kiosk else [],
        "topics": topics,
        "keywords": keywords,
        "description": f"深圳市{name}（演示数据）",
    }


DEMO_ITEMS: list[dict[str, Any]] = [_item(i, spec) for i, spec in enumerate(_SPECS, start=1)]
