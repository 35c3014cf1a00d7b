"""The on-screen keyboard's pinyin data (拼音输入法词库): `static/data/pinyin.json`, generated from pypinyin.

Characters are the 3,755 GB2312 level-1 characters (一级汉字, the frequent ones: bytes 0xB0A1–0xD7F9).
pypinyin carries no frequencies, so order comes from two proxies: a short hand-written list of the most
frequent characters (and the kiosk's own vocabulary) goes first in its syllable, then characters by
productivity (how many two-character phrases of pypinyin's phrase dictionary they appear in), then
GB2312 order (alphabetical by pinyin, then by stroke count). Words are the kiosk's own vocabulary plus
the phrase dictionary's two-character words made of the most productive characters. `ü` is typed as
`v` (`lv` 绿).

Run `python -m govkiosk.kiosk_ui.pinyin` to regenerate the committed file; a test checks it is current.
"""

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pypinyin import Style, pinyin
from pypinyin.phrases_dict import phrases_dict

OUTPUT = Path(__file__).parent / "static" / "data" / "pinyin.json"
COMMON_CHARACTERS = 400  # phrase-dictionary words are made of these many most productive characters
MAX_WORDS_PER_KEY = 4
# Put first in their syllable's candidates: the most frequent characters of written Chinese, then the
# characters of the kiosk's own vocabulary (services, addresses, names).
FREQUENT = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后"
    "作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因"
    "只从想实日者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应向"
    "头文体政美相见被利什二等产或新己制身果加西月话合回特代内信表化老给世位次度门任常先海通教儿原东声"
    "提立及比员解水名真论处走义各入几口认条平系气题活更别打女变四总何电数安少报才结反受目太量再感建务"
    "做接必场件计管期市直资命山金指许统区保至队形社便空决治展马科司五基眼书非则听白界达光放强即像难且"
    "权思王完设式色路记南品住告类求据程北边死张该交规万取拉格望觉领共确传师观清今切院让识候带导争运笑"
    "办证申请号码街镇村深圳福田罗湖南山宝安龙岗盐田坪光明华大鹏医疗养老险缴费登记婚育户籍居住房屋租赁"
    "车驾驶照护执营业企税残疾补贴失业就创孩学校园社区楼栋单元室李王张刘陈杨赵黄周吴徐孙胡朱高林何郭马"
)
# Words a citizen types on a kiosk that the phrase dictionary lacks (it lists mostly words whose
# pinyin a character-by-character reading gets wrong).
_KIOSK_WORDS = (
    "申请 办理 证明 身份 社保 保险 医疗 养老 失业 工伤 生育 缴费 参保 登记 户籍 居住 住房 公积 公积金 "
    "婚姻 结婚 离婚 出生 死亡 驾驶 车辆 营业 执照 企业 个人 单位 地址 电话 手机 姓名 性别 民族 籍贯 "
    "深圳 福田 罗湖 南山 宝安 龙岗 盐田 龙华 坪山 光明 大鹏 街道 社区 小区 花园 大厦 路口 广场 "
    "银行 账户 学校 幼儿 医院 残疾 补贴 退休 老人 儿童 子女 父母 配偶 丈夫 妻子 租房 房屋 楼栋 房间"
)
KIOSK_WORDS = _KIOSK_WORDS.split()


def level1_characters() -> list[str]:
    """The GB2312 level-1 characters in byte order."""
    characters = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                characters.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:  # 0xD7FA–0xD7FE are unassigned
                continue
    return characters


def _readings(character: str) -> list[str]:
    return [r for r in pinyin(character, style=Style.NORMAL, heteronym=True)[0] if r.isascii()]


def _productivity(characters: set[str]) -> Counter[str]:
    """How many two-character phrases of level-1 characters each character appears in."""
    counts: Counter[str] = Counter()
    for word in phrases_dict:
        if len(word) == 2 and word[0] in characters and word[1] in characters:
            counts.update(word)
    return counts


def build() -> dict[str, Any]:
    """`{"chars": {syllable: "字字…"}, "words": {syllables: ["词语", …]}}`."""
    ordered = level1_characters()
    position = {c: i for i, c in enumerate(ordered)}
    counts = _productivity(set(ordered))
    first = {c: i for i, c in enumerate(dict.fromkeys(c for c in FREQUENT if c in position))}
    rank = sorted(ordered, key=lambda c: (-counts[c], position[c]))
    chars: dict[str, list[str]] = {}
    for character in sorted(ordered, key=lambda c: (first.get(c, len(first)), -counts[c], position[c])):
        for reading in _readings(character):
            chars.setdefault(reading, []).append(character)
    common = set(rank[:COMMON_CHARACTERS])
    words: dict[str, list[str]] = {}
    scored = [w for w in phrases_dict if len(w) == 2 and w[0] in common and w[1] in common]
    ranked = sorted(scored, key=lambda w: (-min(counts[w[0]], counts[w[1]]), w))
    for word in [w for w in KIOSK_WORDS if all(c in position for c in w)] + ranked:
        key = "".join(r[0] for r in pinyin(word, style=Style.NORMAL))
        listed = words.setdefault(key, []) if key.isascii() else []
        if word not in listed and len(listed) < MAX_WORDS_PER_KEY:
            listed.append(word)
    return {
        "chars": {k: "".join(v) for k, v in sorted(chars.items())},
        "words": {k: v for k, v in sorted(words.items()) if v},
    }


def render() -> str:
    """The file's text: compact JSON, one line."""
    return json.dumps(build(), ensure_ascii=False, separators=(",", ":")) + "\n"


def main() -> None:
    """Write `static/data/pinyin.json`."""
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
