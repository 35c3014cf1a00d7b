"""Administrative division codes (行政区划代码, GB/T 2260): a built-in table large enough for the demo.

The table holds the 34 provincial-level divisions (省级行政区), Guangdong's 21 prefecture-level cities
(地级市) and Shenzhen's districts (市辖区) that have a code of their own, copied from
``shared/data/shenzhen/districts.csv`` (大鹏新区 is a functional area without a GB/T 2260 code and falls
under 龙岗区 440307). The full national table is a data file to be added later; until then a code
outside the covered areas is accepted when its province is known (see `region_problems`).
"""

PROVINCES: dict[str, str] = {
    "110000": "北京市",
    "120000": "天津市",
    "130000": "河北省",
    "140000": "山西省",
    "150000": "内蒙古自治区",
    "210000": "辽宁省",
    "220000": "吉林省",
    "230000": "黑龙江省",
    "310000": "上海市",
    "320000": "江苏省",
    "330000": "浙江省",
    "340000": "安徽省",
    "350000": "福建省",
    "360000": "江西省",
    "370000": "山东省",
    "410000": "河南省",
    "420000": "湖北省",
    "430000": "湖南省",
    "440000": "广东省",
    "450000": "广西壮族自治区",
    "460000": "海南省",
    "500000": "重庆市",
    "510000": "四川省",
    "520000": "贵州省",
    "530000": "云南省",
    "540000": "西藏自治区",
    "610000": "陕西省",
    "620000": "甘肃省",
    "630000": "青海省",
    "640000": "宁夏回族自治区",
    "650000": "新疆维吾尔自治区",
    "710000": "台湾省",
    "810000": "香港特别行政区",
    "820000": "澳门特别行政区",
}

GUANGDONG_CITIES: dict[str, str] = {
    "440100": "广州市",
    "440200": "韶关市",
    "440300": "深圳市",
    "440400": "珠海市",
    "440500": "汕头市",
    "440600": "佛山市",
    "440700": "江门市",
    "440800": "湛江市",
    "440900": "茂名市",
    "441200": "肇庆市",
    "441300": "惠州市",
    "441400": "梅州市",
    "441500": "汕尾市",
    "441600": "河源市",
    "441700": "阳江市",
    "441800": "清远市",
    "441900": "东莞市",
    "442000": "中山市",
    "445100": "潮州市",
    "445200": "揭阳市",
    "445300": "云浮市",
}

SHENZHEN_DISTRICTS: dict[str, str] = {
    "440303": "罗湖区",
    "440304": "福田区",
    "440305": "南山区",
    "440306": "宝安区",
    "440307": "龙岗区",
    "440308": "盐田区",
    "440309": "龙华区",
    "440310": "坪山区",
    "440311": "光明区",
}

REGIONS: dict[str, str] = {**PROVINCES, **GUANGDONG_CITIES, **SHENZHEN_DISTRICTS}

# Provinces whose cities, and cities whose districts, the built-in table lists completely.
_CITIES_COVERED = {"44"}
_DISTRICTS_COVERED = {"4403"}


def region_name(code: str) -> str | None:
    """The name of a division in the built-in table, or None."""
    return REGIONS.get(code)


def region_parent(code: str) -> str | None:
    """The code of the division above (district → city → province); None for a province."""
    if code.endswith("0000"):
        return None
    if code.endswith("00"):
        return code[:2] + "0000"
    return code[:4] + "00"


def region_children(code: str) -> dict[str, str]:
    """The divisions directly below one in the built-in table (for a region picker), code → name."""
    return {c: name for c, name in REGIONS.items() if c != code and region_parent(c) == code}


def region_problems(code: str) -> list[tuple[str, str]]:
    """What is wrong with a 6-digit region code, as (Chinese, English) messages; empty when plausible."""
    if len(code) != 6 or not code.isdigit():
        return [("行政区划代码应为6位数字", "A region code has 6 digits")]
    if code[:2] + "0000" not in PROVINCES:
        return [("行政区划代码的省级部分不存在", "The region code names no province")]
    unknown = ("行政区划代码不存在", "There is no region with this code")
    if code[:2] in _CITIES_COVERED and code[2:] != "0000" and code[:4] + "00" not in REGIONS:
        return [unknown]
    if code[:4] in _DISTRICTS_COVERED and code[4:] != "00" and code not in REGIONS:
        return [unknown]
    return []
