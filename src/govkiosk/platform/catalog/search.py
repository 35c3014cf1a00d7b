"""In-memory catalog search index (事项检索): Chinese substrings, pinyin, initials, synonyms, codes, topics.

Every field is an n-gram inverted index from keys to sets of slots (one slot per indexed document), so a
query costs a few C-level set intersections plus a verification of the surviving candidates, never a
Python loop over every document. Ranking is set algebra over cumulative tiers; a page is cut from each
tier in the tier's static order (name length, then pinyin) without sorting the whole result.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.seg.mmseg import seg

from govkiosk.platform.catalog.vocabulary import expand, normalize, spellings

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_TOKEN = re.compile(r"[a-z0-9]+")
_TERM_SPLIT = re.compile(r"[\s,，、;；]+")
_PINYIN_TERM = re.compile(r"^[a-z0-9]+$")
_SUFFIX_CAP = 24  # mid-name pinyin suffixes are kept this long; longer queries match from a name's start
_SMALL_TIER = 200  # below this a tier is sorted; above it the static order is filtered instead
_HETERONYM_VARIANTS = 3
_EMPTY: set[int] = set()  # shared and never mutated
_SPELLINGS = 4  # synonym spellings of a name indexed for pinyin and initials
_INITIALS = 4  # initials strings (spellings × polyphone readings) indexed per name
_TIERS = 6  # exact name, name prefix, name substring, pinyin prefix, pinyin anywhere, other fields


@dataclass(frozen=True)
class SearchDoc:
    """What the index knows of one service item (政务服务事项)."""

    item_id: int
    name: str
    codes: tuple[str, ...]  # task code, catalog code
    department: str
    department_id: int
    org_path: str  # the department's org node path, e.g. "/1/3/"; used for authorisation filters
    item_type: str
    status: str
    kiosk_eligible: bool
    topics: tuple[str, ...]
    keywords: tuple[str, ...]


# --- pinyin (拼音) -----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=200_000)
def _word_pinyin(word: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(word))


@functools.lru_cache(maxsize=200_000)
def _units(text: str) -> tuple[tuple[str, str], ...]:
    """(toneless syllable, source character) pairs of a normalised text; a latin or digit run is one unit
    with no source character."""
    out: list[tuple[str, str]] = []
    last = 0
    for run in _CJK_RUN.finditer(text):
        out.extend((token, "") for token in _TOKEN.findall(text[last : run.start()]))
        for word in seg.cut(run.group()):  # pypinyin's own phrase segmentation, cached per word
            readings = _word_pinyin(word)
            chars = word if len(readings) == len(word) else "\0" * len(readings)
            pairs = zip(readings, chars, strict=True)
            out.extend((r, c.strip("\0")) for r, c in pairs if _PINYIN_TERM.match(r))
        last = run.end()
    out.extend((token, "") for token in _TOKEN.findall(text[last:]))
    return tuple(out)


def _syllables(text: str) -> list[str]:
    return [syllable for syllable, _ in _units(text)]


@functools.lru_cache(maxsize=20_000)
def _other_initials(char: str) -> tuple[str, ...]:
    """Every first letter of a polyphone (多音字), e.g. 行 → h, x."""
    letters = pinyin(char, style=Style.FIRST_LETTER, heteronym=True)[0]
    return tuple(dict.fromkeys(letter for letter in letters if len(letter) == 1 and letter.isalpha()))


@functools.lru_cache(maxsize=200_000)
def _initials(text: str) -> tuple[str, ...]:
    """Initials of the text, then a few variants with one polyphone read another way."""
    units = _units(text)
    base = [syllable[0] if char else syllable for syllable, char in units]
    variants = ["".join(base)]
    for position, (_, char) in enumerate(units):
        if not char:
            continue
        for letter in _other_initials(char):
            if letter != base[position] and len(variants) <= _HETERONYM_VARIANTS:
                variants.append("".join([*base[:position], letter, *base[position + 1 :]]))
    return tuple(variants)


# --- one field: n-gram keys → slots ----------------------------------------------------------------------


class _GramField:
    """Substring search over the texts of each slot; with `anchored`, matches start at a syllable boundary.

    Plain keys: every 1..`gram` characters. Anchored keys: the first 1–3 characters at each boundary
    (marked \x01). Both: the first 1–3 characters of each text (marked \x02) for prefix
    tests. Verification texts start with "\n" and hold every variant, so `"\n" + q` tests a prefix; an
    anchored field keeps the plain joined pinyin ("heads") apart from its boundary suffixes ("texts").
    """

    def __init__(self, *, anchored: bool, gram: int = 2) -> None:
        self.anchored = anchored
        self.gram = gram
        self.texts: list[str] = []
        self.heads: list[str] = self.texts if not anchored else []
        self.index: dict[str, set[int]] = {}

    def add(self, slot: int, text: str, head: str, keys: set[str]) -> None:
        """Index one slot (`head` is ignored unless anchored)."""
        while len(self.texts) <= slot:
            self.texts.append("")
            if self.anchored:
                self.heads.append("")
        self.texts[slot] = text
        if self.anchored:
            self.heads[slot] = head
        index = self.index
        for key in keys:
            bucket = index.get(key)
            if bucket is None:
                index[key] = {slot}
            else:
                bucket.add(slot)

    def remove(self, slot: int, keys: set[str]) -> None:
        """Forget one slot."""
        self.texts[slot] = self.heads[slot] = ""
        for key in keys:
            _drop(self.index, key, slot)

    def find(self, q: str) -> set[int]:
        """Slots whose text contains q (at a boundary when anchored); the result must not be mutated."""
        if self.anchored:
            if len(q) <= 3:
                return self.index.get("\x01" + q, _EMPTY)
            return self._verified(["\x01" + q[:3]], " " + q, None, self.texts, q)
        if len(q) <= self.gram:
            return self.index.get(q, _EMPTY)
        return self._verified(list(_grams(q, self.gram)), q, None, self.texts, None)

    def find_prefix(self, q: str, within: set[int]) -> set[int]:
        """Those of `within` whose text starts with q."""
        if len(q) <= 3:
            return within.intersection(self.index.get("\x02" + q, ()))
        return self._verified(["\x02" + q[:3]], "\n" + q, within, self.heads, None)

    def _verified(
        self, keys: list[str], pattern: str, within: set[int] | None, texts: list[str], quick: str | None
    ) -> set[int]:
        buckets = [self.index.get(key) for key in keys]
        present = [b for b in buckets if b]
        if len(present) < len(buckets):
            return _EMPTY
        ordered = sorted(present, key=len)
        if within is not None:
            ordered.insert(0, within)
        candidates = ordered[0].intersection(*ordered[1:])
        if quick is not None:  # cheap rejection on the short joined pinyin before the long suffix text
            heads = self.heads
            candidates = {slot for slot in candidates if quick in heads[slot]}
        return {slot for slot in candidates if pattern in texts[slot]}


def _grams(text: str, n: int) -> set[str]:
    return {text[i : i + n] for i in range(len(text) - n + 1)}


def _bigrams(text: str) -> set[str]:
    return _grams(text, 2)


def _plain_keys(variants: Iterable[str], gram: int = 2, smallest: int = 1) -> set[str]:
    keys: set[str] = set()
    for text in variants:
        for n in range(smallest, gram + 1):
            keys.update(_grams(text, n))
        keys.update("\x02" + text[:n] for n in (1, 2, 3))
    return keys


def _plain_text(variants: Iterable[str]) -> str:
    return "\n" + "\n".join(variants)


def _pinyin_entry(names: Iterable[str]) -> tuple[str, str, set[str]]:
    """Boundary-suffix text, joined-pinyin text and keys of the full-pinyin field for a name's spellings."""
    lines: list[str] = []
    heads: list[str] = []
    keys: set[str] = set()
    for name in names:
        syllables = _syllables(name)
        joined = "".join(syllables)
        if not joined:
            continue
        starts = [0]
        for syllable in syllables[:-1]:
            starts.append(starts[-1] + len(syllable))
        suffixes = [joined] + [joined[s : s + _SUFFIX_CAP] for s in starts[1:]]
        lines.append(" " + " ".join(suffixes))
        heads.append(joined)
        keys.update("\x01" + suffix[:n] for suffix in suffixes for n in (1, 2, 3))
        keys.update("\x02" + joined[:n] for n in (1, 2, 3))
    return "\n" + "\n".join(lines), _plain_text(heads), keys


# --- the index ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """Everything derived from one document; recomputed (from caches) to remove it again."""

    name: str
    name_keys: set[str]
    pinyin_text: str
    pinyin_head: str
    pinyin_keys: set[str]
    initials_text: str
    initials_keys: set[str]
    code_keys: tuple[str, ...]
    rank_key: str  # ranked results: name length, then pinyin
    alpha_key: str  # browsing: pinyin


def _entry(doc: SearchDoc) -> _Entry:
    name = normalize(doc.name)
    names = spellings(name)[:_SPELLINGS]
    readings = [_initials(spelling) for spelling in names]  # each spelling's usual reading before polyphones
    initials = list(
        dict.fromkeys(i for i in [r[0] for r in readings] + [i for r in readings for i in r] if i)
    )
    initials = initials[: max(_INITIALS, len(names))]
    pinyin_text, pinyin_head, pinyin_keys = _pinyin_entry(names)
    sort_pinyin = " ".join(_syllables(name))
    tail = f"\x00{name}\x00{doc.item_id:012d}"
    return _Entry(
        name=name,
        name_keys=_plain_keys([name]),
        pinyin_text=pinyin_text,
        pinyin_head=pinyin_head,
        pinyin_keys=pinyin_keys,
        initials_text=_plain_text(initials),
        initials_keys=_plain_keys(initials, 3, smallest=2),  # one letter is searched as pinyin
        code_keys=tuple(_code_keys(doc.codes)),
        rank_key=f"{len(name):04d}{sort_pinyin}{tail}",
        alpha_key=f"{sort_pinyin}{tail}",
    )


def _code_keys(codes: Iterable[str]) -> Iterator[str]:
    """A code and each of its dash-separated tails, so any segment (region, USCC …) is a prefix."""
    for code in codes:
        code = normalize(code)
        if code:
            yield code
            yield from (code[i + 1 :] for i, char in enumerate(code) if char == "-" and len(code) - i > 5)


def _put(table: dict, key: object, slot: int) -> None:
    table.setdefault(key, set()).add(slot)


def _drop(table: dict, key: object, slot: int) -> None:
    bucket = table.get(key)
    if bucket is not None:
        bucket.discard(slot)
        if not bucket:
            del table[key]


class _Order:
    """Slots kept sorted by a static key; a big tier is cut from it by filtering instead of sorting."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.slots: list[int] = []
        self.key_of: list[str] = []

    def insert(self, slot: int, key: str, *, keep_sorted: bool = True) -> None:
        while len(self.key_of) <= slot:
            self.key_of.append("")
        self.key_of[slot] = key
        if keep_sorted:
            position = bisect.bisect_left(self.keys, key)
            self.keys.insert(position, key)
            self.slots.insert(position, slot)
        else:
            self.keys.append(key)
            self.slots.append(slot)

    def sort(self) -> None:
        pairs = sorted(zip(self.keys, self.slots, strict=True))
        self.keys = [key for key, _ in pairs]
        self.slots = [slot for _, slot in pairs]

    def remove(self, slot: int) -> None:
        position = bisect.bisect_left(self.keys, self.key_of[slot])
        del self.keys[position], self.slots[position]

    def cut(self, tier: set[int], lo: int, hi: int) -> list[int]:
        """Members lo..hi of the tier in this order."""
        if len(tier) <= _SMALL_TIER:
            return sorted(tier, key=self.key_of.__getitem__)[lo:hi]
        return list(islice(filter(tier.__contains__, self.slots), lo, hi))


class SearchIndex:
    """The catalog search index: build once, then upsert/remove items as they change."""

    def __init__(self) -> None:
        self._docs: list[SearchDoc | None] = []
        self._slot_of: dict[int, int] = {}
        self._live: set[int] = set()
        self._name = _GramField(anchored=False)
        self._pinyin = _GramField(anchored=True)
        self._initials = _GramField(anchored=False, gram=3)
        self._exact: dict[str, set[int]] = {}
        self._departments: dict[str, set[int]] = {}
        self._keywords: dict[str, set[int]] = {}
        self._topics: dict[str, set[int]] = {}
        self._code_keys: list[str] = []
        self._code_slots: list[int] = []
        self._by_department: dict[int, set[int]] = {}
        self._by_type: dict[str, set[int]] = {}
        self._by_status: dict[str, set[int]] = {}
        self._by_kiosk: dict[bool, set[int]] = {}
        self._by_path: dict[str, set[int]] = {}
        self._ranked = _Order()
        self._alpha = _Order()
        self._haystacks: dict[str, str] = {}
        self._filter_cache: dict[tuple, set[int] | None] = {}  # kiosks repeat the same filters all day

    @classmethod
    def build(cls, docs: Iterable[SearchDoc]) -> SearchIndex:
        """An index of the documents (a later document with the same item id wins)."""
        index = cls()
        for doc in {doc.item_id: doc for doc in docs}.values():
            index._add(doc, keep_sorted=False)
        index._ranked.sort()
        index._alpha.sort()
        codes = sorted(zip(index._code_keys, index._code_slots, strict=True))
        index._code_keys = [key for key, _ in codes]
        index._code_slots = [slot for _, slot in codes]
        return index

    def __len__(self) -> int:
        return len(self._live)

    def upsert(self, doc: SearchDoc) -> None:
        """Add the document, or replace the one with its item id."""
        self.remove(doc.item_id)
        self._add(doc, keep_sorted=True)

    def remove(self, item_id: int) -> None:
        """Forget the item (no-op when unknown)."""
        slot = self._slot_of.pop(item_id, None)
        if slot is None:
            return
        doc = self._docs[slot]
        assert doc is not None
        entry = _entry(doc)
        self._docs[slot] = None
        self._live.discard(slot)
        self._name.remove(slot, entry.name_keys)
        self._pinyin.remove(slot, entry.pinyin_keys)
        self._initials.remove(slot, entry.initials_keys)
        for table, keys in self._tables(doc, entry):
            for key in keys:
                _drop(table, key, slot)
        self._haystacks.clear()
        self._filter_cache.clear()
        for key in entry.code_keys:
            position = bisect.bisect_left(self._code_keys, f"{key}\x00{slot}")
            del self._code_keys[position], self._code_slots[position]
        self._ranked.remove(slot)
        self._alpha.remove(slot)

    def _add(self, doc: SearchDoc, *, keep_sorted: bool) -> None:
        entry = _entry(doc)
        slot = len(self._docs)
        self._docs.append(doc)
        self._slot_of[doc.item_id] = slot
        self._live.add(slot)
        self._name.add(slot, _plain_text([entry.name]), "", entry.name_keys)
        self._pinyin.add(slot, entry.pinyin_text, entry.pinyin_head, entry.pinyin_keys)
        self._initials.add(slot, entry.initials_text, "", entry.initials_keys)
        for table, keys in self._tables(doc, entry):
            for key in keys:
                _put(table, key, slot)
        self._haystacks.clear()
        self._filter_cache.clear()
        for code in entry.code_keys:
            key = f"{code}\x00{slot}"  # unique, so removal finds its own entry by bisection
            if keep_sorted:
                position = bisect.bisect_left(self._code_keys, key)
                self._code_keys.insert(position, key)
                self._code_slots.insert(position, slot)
            else:
                self._code_keys.append(key)
                self._code_slots.append(slot)
        self._ranked.insert(slot, entry.rank_key, keep_sorted=keep_sorted)
        self._alpha.insert(slot, entry.alpha_key, keep_sorted=keep_sorted)

    def _tables(self, doc: SearchDoc, entry: _Entry) -> list[tuple[dict, Iterable[object]]]:
        return [
            (self._exact, [entry.name]),
            (self._departments, [normalize(doc.department)]),
            (self._keywords, {normalize(k) for k in doc.keywords} - {""}),
            (self._topics, {normalize(t) for t in doc.topics} - {""}),
            (self._by_department, [doc.department_id]),
            (self._by_type, [doc.item_type]),
            (self._by_status, [doc.status]),
            (self._by_kiosk, [doc.kiosk_eligible]),
            (self._by_path, [doc.org_path]),
        ]

    # --- querying ---------------------------------------------------------------------------------------

    def _spelled_out(self, terms: list[str]) -> list[set[int]] | None:
        """Spaced pinyin (`she bao can`) is one spelling first: each short syllable alone matches thousands
        of items, and ANDing them is slow and less precise. None when it is not that or finds nothing."""
        if len(terms) < 2 or not all(t.isascii() and t.isalpha() for t in terms):
            return None
        joined = "".join(terms)
        levels = self._levels([joined], joined)
        return levels if levels and levels[-1] else None

    def search(
        self,
        q: str,
        *,
        limit: int = 20,
        offset: int = 0,
        paths: Sequence[str] | None = None,
        department_id: int | None = None,
        item_type: str | None = None,
        status: str | None = None,
        kiosk_eligible: bool | None = None,
        topic: str | None = None,
    ) -> tuple[list[int], int]:
        """Item ids of one page, best first, and the number of matches; an empty query lists by pinyin."""
        filters = (
            None if paths is None else tuple(paths),
            department_id,
            item_type,
            status,
            kiosk_eligible,
            topic,
        )
        if filters not in self._filter_cache:
            if len(self._filter_cache) >= 256:
                self._filter_cache.clear()
            self._filter_cache[filters] = self._allowed(*filters)
        allowed = self._filter_cache[filters]
        whole = normalize(q)
        terms = [term for term in _TERM_SPLIT.split(whole) if term]
        limit, offset = max(limit, 0), max(offset, 0)
        if not terms:
            pool = self._live if allowed is None else allowed
            if allowed is None:
                page = self._alpha.slots[offset : offset + limit]
            else:
                page = self._alpha.cut(pool, offset, offset + limit)
            return self._ids(page), len(pool)
        levels = self._spelled_out(terms) or self._levels(terms, whole)
        if allowed is not None:
            levels = [level & allowed for level in levels]
        return self._ids(self._page(levels, offset, offset + limit)), len(levels[-1])

    def _ids(self, slots: Iterable[int]) -> list[int]:
        docs = self._docs
        return [docs[slot].item_id for slot in slots]  # type: ignore[union-attr]

    def _allowed(
        self,
        paths: Sequence[str] | None,
        department_id: int | None,
        item_type: str | None,
        status: str | None,
        kiosk_eligible: bool | None,
        topic: str | None,
    ) -> set[int] | None:
        """The slots every given filter admits, or None when no filter is given."""
        chosen: list[set[int]] = []
        tables: tuple[tuple[dict[Any, set[int]], object], ...] = (
            (self._by_department, department_id),
            (self._by_type, item_type),
            (self._by_status, status),
            (self._by_kiosk, kiosk_eligible),
            (self._topics, None if topic is None else normalize(topic)),
        )
        for table, key in tables:
            if key is not None:
                chosen.append(table.get(key, set()))
        if paths is not None:
            prefixes = tuple(paths)
            under: set[int] = set()
            for path, slots in self._by_path.items():
                if path.startswith(prefixes):
                    under |= slots
            chosen.append(under)
        if not chosen:
            return None
        chosen.sort(key=len)
        return chosen[0].intersection(*chosen[1:])

    def _page(self, levels: list[set[int]], lo: int, hi: int) -> list[int]:
        """Positions lo..hi of the ranking: tier by tier, each tier in static order."""
        page: list[int] = []
        previous: set[int] = set()
        for level in levels:
            start, end = len(previous), len(level)
            if end > start and end > lo and start < hi:
                tier = level - previous if previous else level
                page.extend(self._ranked.cut(tier, max(lo - start, 0), min(end, hi) - start))
            if end >= hi:
                break
            previous = level
        return page

    def _levels(self, terms: list[str], whole: str) -> list[set[int]]:
        """Cumulative tiers: level k holds every match ranked in tier k or better; terms are ANDed."""
        if len(terms) == 1:
            return _cumulate(self._term_parts(terms[0]))
        parts = [self._term_parts(term) for term in terms]
        matches = sorted((_union(p) for p in parts), key=len)
        both = matches[0].intersection(*matches[1:])  # the AND first, so the tiers are built on few slots
        levels = _cumulate([part & both for part in parts[0]])
        for other in parts[1:]:
            levels = [
                mine & theirs
                for mine, theirs in zip(levels, _cumulate([p & both for p in other]), strict=True)
            ]
        exact = set().union(*(self._exact.get(v, ()) for v in expand(whole)))
        joined = "".join(terms)
        pinyin_all = (
            self._pinyin.find(joined) if _PINYIN_TERM.match(joined) else _EMPTY
        )  # "she bao" = "shebao"
        pinyin_start = self._pinyin.find_prefix(joined, pinyin_all) if pinyin_all else _EMPTY
        for rank in range(_TIERS):
            extra = exact | pinyin_start if rank == 3 else exact | pinyin_all if rank > 3 else exact
            if extra - levels[rank]:
                levels[rank] = levels[rank] | extra
        return levels

    def _term_parts(self, term: str) -> list[set[int]]:
        """A term's matches by kind: exact name, name prefix, name substring, pinyin prefix, pinyin, other."""
        variants = expand(term)
        exact = _union(self._exact.get(v, _EMPTY) for v in variants)
        inside = _union(self._name.find(v) for v in variants)
        start = _union(self._name.find_prefix(v, inside) for v in variants) if inside else _EMPTY
        pinyin_start: set[int] = _EMPTY
        pinyin_all: set[int] = _EMPTY
        if _PINYIN_TERM.match(term):
            # A single letter is a syllable start in both fields; the initials field adds nothing but cost.
            fields = (self._pinyin,) if len(term) == 1 else (self._pinyin, self._initials)
            found = [field.find(term) for field in fields]
            pinyin_all = _union(found)
            pinyin_start = _union(f.find_prefix(term, hits) for f, hits in zip(fields, found, strict=True))
        return [exact, start, inside, pinyin_start, pinyin_all, self._other(term, variants)]

    def _other(self, term: str, variants: list[str]) -> set[int]:
        """Matches by department name, topic, keyword or code."""
        found: list[set[int]] = []
        for table, haystack in (
            (self._departments, self._haystack("dept")),
            (self._keywords, self._haystack("kw")),
        ):
            for variant in variants:
                if variant in haystack:  # one C-level scan decides whether the table is worth a loop
                    found.extend(slots for text, slots in table.items() if variant in text)
        found.extend(self._topics[v] for v in variants if v in self._topics)
        lo = bisect.bisect_left(self._code_keys, term)
        hi = bisect.bisect_left(self._code_keys, term + "\U0010ffff")
        if hi > lo:
            found.append(set(self._code_slots[lo:hi]))
        return _union(found)

    def _haystack(self, name: str) -> str:
        """The distinct department names or keywords joined, rebuilt after they change."""
        cached = self._haystacks.get(name)
        if cached is None:
            table = self._departments if name == "dept" else self._keywords
            cached = self._haystacks[name] = "\n".join(table)
        return cached


def _cumulate(parts: list[set[int]]) -> list[set[int]]:
    """Level k = the union of parts 0..k (the parts of one term, best kind first)."""
    levels = [parts[0]]
    for part in parts[1:]:
        levels.append(_union((levels[-1], part)))
    return levels


def _union(sets: Iterable[set[int]]) -> set[int]:
    """The union, without copying when at most one set is non-empty (callers never mutate results)."""
    non_empty = [s for s in sets if s]
    if not non_empty:
        return _EMPTY
    if len(non_empty) == 1:
        return non_empty[0]
    non_empty.sort(key=len, reverse=True)
    return non_empty[0].union(*non_empty[1:])
