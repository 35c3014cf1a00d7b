"""Search vocabulary (检索词表): synonyms, related terms and life-event topics (主题) of the catalog."""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable

# Equivalent spellings (同义词): each group is interchangeable; the first member is the canonical form.
# Names are indexed under every member's pinyin, so `sbcb` finds 社会保险参保… and `shbx` finds 社保….
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("社会保险", "社保", "社会保障"),
    ("医疗保险", "医保", "医疗保障"),
    ("住房公积金", "公积金"),
    ("居民身份证", "身份证"),
    ("户籍", "户口"),
    ("居民户口簿", "户口簿", "户口本"),
    ("个人所得税", "个税"),
    ("驾驶证", "驾照", "驾驶执照"),
    ("机动车行驶证", "行驶证"),
    ("不动产权证书", "房产证", "房本"),
    ("不动产", "房产"),
    ("往来港澳通行证", "港澳通行证"),
    ("往来台湾通行证", "台湾通行证", "台胞证"),
    ("出生医学证明", "出生证明", "出生证"),
    ("残疾人证", "残疾证"),
    ("最低生活保障", "低保"),
    ("完税证明", "纳税证明", "纳税记录"),
    ("参保证明", "参保凭证"),
    ("交通违法", "交通违章", "违章"),
    ("个体工商户", "个体户"),
    ("公共租赁住房", "公租房"),
    ("保障性住房", "保障房"),
    ("失业保险金", "失业金"),
    ("基本养老金", "养老金", "退休金"),
    ("换证", "换领"),
    ("居住证", "深圳经济特区居住证"),
    ("营业执照", "执照"),
    ("电子证照", "电子证件"),
)

# Directed expansions (相关词): a query for the key also looks for these broader or neighbouring terms,
# but names are not indexed under them (护照 is not a spelling of 出入境).
RELATED: dict[str, tuple[str, ...]] = {
    "护照": ("出入境",),
    "港澳通行证": ("出入境",),
    "台湾通行证": ("出入境",),
    "签证": ("出入境", "签注"),
    "续签": ("签注",),
    "退休": ("养老",),
    "养老": ("退休",),
    "营业执照": ("市场主体登记", "设立登记"),
    "开公司": ("设立登记", "开办企业"),
    "结婚": ("婚姻登记",),
    "离婚": ("婚姻登记",),
    "丧葬": ("殡葬",),
    "火化": ("殡葬",),
    "罚款": ("交通违法",),
    "房子": ("不动产", "住房"),
    "买房": ("不动产", "住房"),
    "租房": ("住房", "公共租赁住房"),
    "生孩子": ("生育",),
    "找工作": ("就业",),
    "打印": ("开具",),
    "开具": ("打印",),
    "缴纳": ("缴存", "缴费"),
    "缴存": ("缴纳",),
}

# Life-event topics (生活事件主题) and the keywords that put an item under them.
TOPICS: dict[str, tuple[str, ...]] = {
    "生育": ("生育", "出生", "产假", "计划生育", "新生儿", "婴儿", "母婴", "孕", "育儿"),
    "就业": ("就业", "失业", "招聘", "求职", "创业", "职业", "技能", "人才", "劳动", "见习", "灵活就业"),
    "养老": ("养老", "退休", "老年", "高龄", "长者", "长寿"),
    "户籍": ("户籍", "户口", "落户", "迁入", "迁出", "居住证", "身份证"),
    "不动产": ("不动产", "房产", "房屋", "土地", "抵押", "产权"),
    "婚姻": ("婚姻", "结婚", "离婚", "婚"),
    "教育": ("教育", "学校", "学生", "入学", "学位", "学历", "考试", "教师", "助学"),
    "医疗": ("医疗", "医保", "医院", "就医", "门诊", "住院", "药品", "疫苗", "体检"),
    "住房": ("住房", "公积金", "公租房", "保障房", "租赁", "安居"),
    "出行": ("驾驶", "驾照", "机动车", "车辆", "交通", "出入境", "通行证", "护照", "签注", "停车", "公交"),
    "纳税": ("税", "发票", "完税"),
    "开办企业": ("营业执照", "企业", "公司", "个体工商户", "市场主体", "设立登记", "商事"),
    "社会保险": ("社会保险", "社保", "参保", "医保", "工伤", "生育津贴"),
    "社会救助": ("低保", "最低生活保障", "救助", "特困", "临时救助"),
    "残疾人": ("残疾",),
    "退役军人": ("退役", "军人", "优抚", "复员", "转业"),
    "殡葬": ("殡葬", "丧葬", "火化", "骨灰", "死亡", "遗属"),
}

_MAX_VARIANTS = 8
_SYNONYM_OF: dict[str, tuple[str, ...]] = {member: group for group in SYNONYMS for member in group}
# Longest terms first, so that 住房公积金 is taken whole rather than as 住房 + 公积金.
_TERMS = sorted({*_SYNONYM_OF, *RELATED}, key=len, reverse=True)
_TERM_RE = re.compile("|".join(map(re.escape, _TERMS)))
_SYNONYM_RE = re.compile("|".join(map(re.escape, sorted(_SYNONYM_OF, key=len, reverse=True))))


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def _alternatives(term: str) -> tuple[str, ...]:
    """The term itself, its synonyms, then its related terms."""
    found = [term, *_SYNONYM_OF.get(term, ())]
    for member in tuple(found):
        found.extend(RELATED.get(member, ()))
    return tuple(dict.fromkeys(found))


def _variants(text: str, pattern: re.Pattern[str], options: object) -> list[str]:
    matches = list(pattern.finditer(text))[:3]  # three vocabulary terms in one query is plenty
    if not matches:
        return [text]
    pieces: list[tuple[str, ...]] = []
    last = 0
    for match in matches:
        pieces.append((text[last : match.start()],))
        pieces.append(options(match.group()))  # type: ignore[operator]
        last = match.end()
    pieces.append((text[last:],))
    combos = itertools.islice(itertools.product(*pieces), _MAX_VARIANTS)
    return list(dict.fromkeys("".join(combo) for combo in combos))


@functools.lru_cache(maxsize=4096)
def _expand(text: str) -> tuple[str, ...]:
    variants = _variants(text, _TERM_RE, _alternatives)
    if text not in variants:
        variants.insert(0, text)
    return tuple(variants)


def expand(query: str) -> list[str]:
    """The query (normalised) first, then its spellings with synonyms and related terms substituted."""
    return list(_expand(normalize(query)))


@functools.lru_cache(maxsize=65536)
def _spellings(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys([text, *_variants(text, _SYNONYM_RE, lambda term: _SYNONYM_OF[term])]))


def spellings(name: str) -> list[str]:
    """The name (normalised) first, then its equivalent spellings (synonyms only, no related terms)."""
    return list(_spellings(normalize(name)))


def topics_for(name: str, explicit_topics: Iterable[str] = ()) -> list[str]:
    """The explicit topics, then every topic one of whose keywords is in the name (or a spelling of it)."""
    found = [topic.strip() for topic in explicit_topics if topic.strip()]
    texts = spellings(name)
    for topic, keywords in TOPICS.items():
        if any(keyword in text for keyword in keywords for text in texts):
            found.append(topic)
    return list(dict.fromkeys(found))
