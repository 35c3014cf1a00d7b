"""The catalog search index: matching rules, ranking, filters, updates."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from govkiosk.platform.catalog.search import SearchDoc, SearchIndex, _initials
from govkiosk.platform.catalog.vocabulary import expand, normalize, topics_for

NAMES = [
    "社会保险参保证明打印",
    "住房公积金缴存证明打印",
    "个人所得税完税证明打印",
    "居住证签注",
    "不动产登记信息查询",
    "出入境证件办理进度查询",
    "港澳通行证再次签注",
    "退休人员养老金查询",
    "中国银行网点查询",
    "行政复议申请",
    "灵活就业人员参保登记",
    "生育津贴申领",
]


def make_doc(item_id: int, name: str, **overrides: object) -> SearchDoc:
    fields: dict[str, object] = {
        "item_id": item_id,
        "name": name,
        "codes": (f"440C{item_id:010d}-440300000000-000-11440300MB2C93417A-1-00", f"440C{item_id:010d}"),
        "department": "深圳市政务服务数据管理局",
        "department_id": 1,
        "org_path": "/1/",
        "item_type": "BM",
        "status": "published",
        "kiosk_eligible": True,
        "topics": tuple(topics_for(name)),
        "keywords": (),
    }
    fields.update(overrides)
    return SearchDoc(**fields)  # type: ignore[arg-type]


def catalog() -> SearchIndex:
    return SearchIndex.build(make_doc(i, name) for i, name in enumerate(NAMES, start=1))


def names_for(index: SearchIndex, q: str, **filters: object) -> list[str]:
    ids, total = index.search(q, limit=100, **filters)  # type: ignore[arg-type]
    assert total == len(ids)
    return [NAMES[i - 1] for i in ids]


def test_chinese_substring_finds_the_name() -> None:
    assert names_for(catalog(), "缴存证明") == ["住房公积金缴存证明打印"]
    assert set(names_for(catalog(), "签注")) == {"居住证签注", "港澳通行证再次签注"}


def test_full_pinyin_joined_spaced_and_partial() -> None:
    index = catalog()
    for q in ("shehuibaoxiancanbao", "she hui bao xian", "shehuibao", "canbaozhengming", "zhufang"):
        assert "社会保险参保证明打印" in names_for(index, q) or "住房公积金缴存证明打印" in names_for(
            index, q
        ), q
    assert names_for(index, "buDongChan") == ["不动产登记信息查询"]


def test_pinyin_must_start_at_a_syllable() -> None:
    assert "不动产登记信息查询" not in names_for(catalog(), "ongchan")  # inside 动 (dong), not a syllable


def test_initials_and_synonym_folded_initials() -> None:
    index = catalog()
    assert names_for(index, "shbxcb")[0] == "社会保险参保证明打印"
    assert names_for(index, "sbcb")[0] == "社会保险参保证明打印"  # 社保 is a spelling of 社会保险
    assert names_for(index, "gjjjc") == ["住房公积金缴存证明打印"]  # 公积金 is a spelling of 住房公积金
    assert names_for(index, "bdcdj") == ["不动产登记信息查询"]


def test_polyphones_use_the_phrase_reading_and_index_the_other() -> None:
    assert _initials("中国银行")[0] == "zgyh"
    assert _initials("行政复议")[0] == "xzfy"
    index = catalog()
    assert names_for(index, "zgyh") == ["中国银行网点查询"]
    assert names_for(index, "xzfy") == ["行政复议申请"]
    assert names_for(index, "zgyx") == ["中国银行网点查询"]  # the other reading of 行 still finds it


def test_synonyms_and_related_terms() -> None:
    index = catalog()
    assert names_for(index, "社保")[0] == "社会保险参保证明打印"  # then the rest of the 社会保险 topic
    assert set(names_for(index, "社保")) == {"社会保险参保证明打印", "灵活就业人员参保登记", "生育津贴申领"}
    assert names_for(index, "公积金") == ["住房公积金缴存证明打印"]
    assert names_for(index, "个税") == ["个人所得税完税证明打印"]
    assert "出入境证件办理进度查询" in names_for(index, "护照")
    assert "社保参保" in expand("社会保险参保") and "社会保险参保" in expand("社保参保")


def test_topic_name_finds_every_item_under_it() -> None:
    assert topics_for("退休人员养老金查询") == ["养老"]
    assert topics_for("生育津贴申领", ["医疗"]) == ["医疗", "生育", "社会保险"]
    assert names_for(catalog(), "养老") == ["退休人员养老金查询"]
    assert names_for(catalog(), "生育") == ["生育津贴申领"]


def test_codes_by_prefix_of_the_code_or_a_segment() -> None:
    index = catalog()
    ids, total = index.search("440C0000000004")
    assert (ids, total) == ([4], 1)
    ids, total = index.search("440c0000000004-4403")  # case-insensitive
    assert ids == [4]
    _, total = index.search("11440300MB2C93417A")  # the USCC segment of every task code
    assert total == len(NAMES)


def test_department_name_matches_below_the_name() -> None:
    index = SearchIndex.build(
        [make_doc(1, "参保证明打印", department="深圳市社会保险基金管理局"), make_doc(2, "社保卡挂失")]
    )
    assert index.search("社保")[0] == [2, 1]


def test_terms_are_anded_case_and_width_insensitive() -> None:
    index = catalog()
    assert names_for(index, "证明 打印 住房") == ["住房公积金缴存证明打印"]
    assert names_for(index, "证明 签注") == []
    assert names_for(index, "ＳＢＣＢ") == names_for(index, "sbcb")
    assert names_for(index, "社保　打印") == ["社会保险参保证明打印"]  # ideographic space
    assert normalize("ＡＢＣ１２３") == "abc123"


def test_ranking_exact_then_prefix_then_substring_then_pinyin_then_other() -> None:
    docs = [
        make_doc(1, "签注进度查询"),  # name prefix
        make_doc(2, "港澳签注"),  # name substring
        make_doc(3, "签注"),  # exact name
        make_doc(4, "其他服务", keywords=("签注",)),  # keyword only
        make_doc(5, "前足检查"),  # initials qzjc: a pinyin match only
    ]
    index = SearchIndex.build(docs)
    assert index.search("签注")[0] == [3, 1, 2, 4]
    # initials: names starting with qz (shortest first), then qz elsewhere in the name
    assert index.search("qz")[0] == [3, 5, 1, 2]


def test_ties_by_name_length_then_pinyin() -> None:
    index = SearchIndex.build([make_doc(1, "证明打印乙"), make_doc(2, "证明打印"), make_doc(3, "证明打印甲")])
    assert index.search("证明")[0] == [2, 3, 1]  # 4 chars first; then jia before yi


def test_empty_query_lists_by_pinyin_with_filters_and_paging() -> None:
    index = catalog()
    ids, total = index.search("", limit=3)
    assert total == len(NAMES)
    assert [NAMES[i - 1] for i in ids] == [
        "不动产登记信息查询",
        "出入境证件办理进度查询",
        "港澳通行证再次签注",
    ]
    second, _ = index.search("", limit=3, offset=3)
    assert not set(ids) & set(second)


def test_filters_and_paths() -> None:
    docs = [
        make_doc(1, "居住证签注", org_path="/1/3/", department_id=3),
        make_doc(2, "居住证申领", org_path="/1/3/7/", department_id=7, kiosk_eligible=False),
        make_doc(3, "居住证查询", org_path="/1/4/", department_id=4, status="draft", item_type="GG"),
    ]
    index = SearchIndex.build(docs)
    assert index.search("居住证", paths=["/1/3/"])[1] == 2
    assert index.search("居住证", paths=["/1/3/7/", "/1/4/"])[1] == 2
    assert index.search("居住证", department_id=4)[0] == [3]
    assert index.search("居住证", kiosk_eligible=False)[0] == [2]
    assert index.search("居住证", status="published", item_type="BM")[1] == 2
    assert index.search("", topic="户籍")[1] == 3
    assert index.search("居住证", paths=[])[1] == 0


def test_paging_is_consistent() -> None:
    index = SearchIndex.build(
        make_doc(i, f"证明打印{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{i}") for i in range(1, 400)
    )
    everything, total = index.search("证明", limit=1000)
    assert total == 399
    pages = [index.search("证明", limit=50, offset=o)[0] for o in range(0, 400, 50)]
    assert [i for page in pages for i in page] == everything


def test_upsert_replaces_and_remove_forgets() -> None:
    index = catalog()
    index.upsert(make_doc(4, "居住证续签"))
    assert index.search("jzzqz")[0] == []
    assert index.search("居住证续签")[0] == [4]
    index.upsert(make_doc(100, "居住证签注"))
    assert index.search("居住证签注")[0] == [100]
    index.remove(100)
    index.remove(100)  # unknown ids are ignored
    assert index.search("jzzqz")[1] == 0
    assert len(index) == len(NAMES)
    assert index.search("440C0000000100")[1] == 0


def test_miss_returns_nothing() -> None:
    assert catalog().search("火星移民登记") == ([], 0)
    assert catalog().search("xqzjwk") == ([], 0)


_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(_HAN, min_size=1, max_size=12), min_size=1, max_size=8, unique=True), st.data())
def test_any_doc_is_found_by_its_exact_name_and_its_initials(names: list[str], data: st.DataObject) -> None:
    index = SearchIndex.build(make_doc(i, name, topics=()) for i, name in enumerate(names, start=1))
    chosen = data.draw(st.integers(min_value=1, max_value=len(names)))
    name = names[chosen - 1]
    ids, _ = index.search(name, limit=1000)
    assert ids[0] == chosen or names[ids[0] - 1] == name
    assert chosen in index.search(_initials(normalize(name))[0], limit=1000)[0]


def test_upsert_of_a_changed_doc_keeps_other_fields_current() -> None:
    index = catalog()
    index.upsert(replace(make_doc(1, NAMES[0]), kiosk_eligible=False))
    assert index.search("sbcb", kiosk_eligible=True)[1] == 0
    assert index.search("sbcb", kiosk_eligible=False)[0] == [1]
