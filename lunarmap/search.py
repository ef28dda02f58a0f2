"""Search that forgives: one query over the catalogue's sites and regions and the IAU gazetteer, or coordinates.

Names are compared after :func:`lunarmap.gazetteer.normalise_name` (case, accents and punctuation
ignored: "schrodinger" is Schrödinger, "change 4" is close to Chang'e 4), with rapidfuzz's
``fuzz.ratio`` (an Indel similarity, 0..100) so a typo still finds the name ("shakelton" scores 84
against "shackleton"). Each name is matched three ways: as a whole, as a prefix (the query against the
name's first ``len(query) - 1 .. len(query) + 1`` letters, so a name half typed scores 100), and from
any later word on ("gerlache" finds "de Gerlache"). A query of three letters or fewer must match exactly
(as a prefix); a longer one needs a score of at least :data:`MIN_SCORE`.

Ranking (the score rounded to a whole number first, then these groups, then southern first):

1. catalogue sites and regions named (or with an id) exactly like the query, then those starting with it;
2. IAU features named exactly like it, then those starting with it;
3. catalogue entries with a later word matching it ("Haworth" in "Artemis III candidate: Haworth");
4. IAU features with a later word matching it.

So "Artemis" gives the nine Artemis III candidate regions (before the IAU crater Artemis at 25 N),
"Haworth" the crater Haworth (the region of the same name next), "Shackleton" the crater (the Chang'e 7
target area on its rim next). When two or more catalogue entries tie at the top, the first result is
their group, framed together (the nine Artemis regions); the entries follow.

Features north of the map's edge (:data:`lunarmap.views.MAP_EDGE_LAT_DEG`, 40 S; a feature's centre
decides) are listed with ``on_map`` False and no fly target: they are never flown to. Coordinates
follow :mod:`lunarmap.coordinate_text`; when both orders of two bare numbers are places, the one on the
map is taken (the other is listed, off the map); when both are on the map, the answer is "ambiguous"
and lists both readings, so the caller asks.

Indexes are kept per site catalogue and gazetteer file stamp (path, mtime, size): a gazetteer fetched
after the first search is used by the next one.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from rapidfuzz import fuzz, process

from .coordinate_text import Reading, looks_like_coordinates, parse_coordinates
from .crs import polar_to_lonlat
from .errors import DataMissingError, UnknownFeatureError
from .gazetteer import GAZETTEER_FILE, Place, load_gazetteer, normalise_name
from .paths import data_dir as _data_dir
from .sites import Site
from .views import MAP_EDGE_LAT_DEG, ViewTarget, scale_factor, view_for_point

__all__ = ["MIN_SCORE", "FlyTarget", "SearchResult", "SearchAnswer", "SearchIndex", "gazetteer_stamp",
           "search_index", "search"]

logger = logging.getLogger(__name__)

#: Least fuzzy score (fuzz.ratio, 0..100) for a query of four letters or more; one wrong letter in five is 80.
MIN_SCORE = 75.0
#: Results kept below the best: those within this many points of its score.
KEEP_WITHIN = 20.0
FEATURE_DIAMETERS = 3.0      # a feature is shown 3 diameters across ...
MIN_WIDTH_KM = 40.0          # ... and at least 40 km (a point site, a small crater)
UNKNOWN_SIZE_KM = 150.0      # a feature without a diameter
COORDINATE_WIDTH_KM = 50.0   # a typed point
FRAME_MARGIN = 1.3           # a region or a group: its extent on the map times this

Status = Literal["empty", "found", "off_map", "ambiguous"]
_ORDER = {"lat, lon": "latitude, longitude", "lon, lat": "longitude, latitude"}
_GROUP_WORDS = ("named", "starts with", "named", "starts with", "word", "word starts with", "word",
                "word starts with")


@dataclass(frozen=True)
class FlyTarget:
    """Where to fly: a centre (degrees) and the true width to show (km, at the centre's scale)."""

    lon_deg: float
    lat_deg: float
    width_km: float

    def view(self, pixels: float) -> ViewTarget:
        """The map view showing ``width_km`` across ``pixels`` screen pixels."""
        return view_for_point(self.lon_deg, self.lat_deg, self.width_km, pixels)


@dataclass(frozen=True)
class SearchResult:
    """One answer: ``kind`` is a site kind ("landed", "region", ...), "feature" (IAU), "group" or "coordinates".

    ``lon_deg``/``lat_deg``: the point, a region's centroid on the sphere, or a group's frame centre;
    ``score``: 0..100 (100 exact, or an exact prefix); ``fly``: None when off the map;
    ``matched``: how the name matched ("named", "starts with", "word", ...; for coordinates the order read);
    ``members``: a group's site ids.
    """

    name: str
    kind: str
    lon_deg: float
    lat_deg: float
    on_map: bool
    score: float
    fly: FlyTarget | None
    source: str
    matched: str
    site_id: str | None = None
    diameter_km: float = math.nan
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchAnswer:
    """What a query gives: ``status`` "found" (fly to ``results[0]``), "off_map" (list, fly nowhere),
    "ambiguous" (two coordinate readings on the map: ask) or "empty" (no query); ``note`` says why when needed."""

    query: str
    status: Status
    results: tuple[SearchResult, ...] = ()
    note: str = ""

    @property
    def best(self) -> SearchResult | None:
        """The result to fly to, or None (off the map, ambiguous, empty)."""
        return self.results[0] if self.status == "found" else None


def _on_map(lat_deg: float) -> bool:
    return -90.0 <= lat_deg <= MAP_EDGE_LAT_DEG


def _frame(bounds: Sequence[float], min_km: float) -> FlyTarget:
    """A fly target framing map bounds (xmin, ymin, xmax, ymax in IAU_2015:30135 metres)."""
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    lon, lat = (float(v) for v in polar_to_lonlat((xmin + xmax) / 2.0, (ymin + ymax) / 2.0))
    span_m = max(xmax - xmin, ymax - ymin) * FRAME_MARGIN
    return FlyTarget(lon, lat, max(span_m / scale_factor(lat) / 1000.0, min_km))


@dataclass(frozen=True)
class _Entry:
    name: str
    kind: str
    lon: float
    lat: float
    diameter_km: float
    source: str
    site_id: str | None
    bounds: tuple[float, float, float, float] | None   # catalogue entries: polar bounds

    @property
    def catalogue(self) -> bool:
        return self.site_id is not None

    def fly(self) -> FlyTarget | None:
        if not _on_map(self.lat):
            return None
        if self.bounds is not None and self.bounds[2] > self.bounds[0]:
            return _frame(self.bounds, MIN_WIDTH_KM / 2.0)
        width = FEATURE_DIAMETERS * self.diameter_km if math.isfinite(self.diameter_km) else (
            MIN_WIDTH_KM if self.catalogue else UNKNOWN_SIZE_KM)
        return FlyTarget(self.lon, self.lat, max(width, MIN_WIDTH_KM))

    def result(self, score: float, group: int) -> SearchResult:
        return SearchResult(self.name, self.kind, self.lon, self.lat, _on_map(self.lat), score, self.fly(),
                            self.source, _GROUP_WORDS[group], self.site_id, self.diameter_km)


class SearchIndex:
    """Normalised names of the catalogue and the gazetteer, built once; :meth:`search` answers a query."""

    def __init__(self, sites: Sequence[Site], features: Sequence[Place] = (),
                 gazetteer_problem: DataMissingError | None = None):
        self.gazetteer_problem = gazetteer_problem
        entries = []
        for s in sites:
            lon, lat = s.lonlat
            diameter = 2.0 * math.sqrt(s.area_km2 / math.pi) if s.is_region else math.nan
            xmin, ymin, xmax, ymax = (float(b) for b in s.geometry_polar.bounds)
            entries.append(_Entry(s.name, s.kind, float(lon), float(lat), diameter, s.source, s.id,
                                  (xmin, ymin, xmax, ymax)))
        entries += [_Entry(p.name, p.kind, p.lon_deg, p.lat_deg, p.diameter_km, p.source, None, None)
                    for p in features]
        self.entries = entries
        self._by_site = {e.site_id: e for e in entries if e.site_id is not None}
        keys: list[str] = []
        key_entry: list[int] = []
        key_inner: list[bool] = []
        for i, e in enumerate(entries):
            seen: set[str] = set()
            for name in (e.name, e.site_id or ""):
                words = normalise_name(name).split()
                for j in range(len(words)):
                    key = " ".join(words[j:])
                    if key in seen or (j > 0 and len(key) < 3):
                        continue
                    seen.add(key)
                    keys.append(key)
                    key_entry.append(i)
                    key_inner.append(j > 0)
        self._keys = keys
        self._entry = np.asarray(key_entry, dtype=np.int64)
        catalogue = np.array([e.catalogue for e in entries], dtype=bool)[self._entry]
        inner = np.asarray(key_inner, dtype=bool)
        # group of a key for a whole-name match; +1 for a prefix match (see the module's ranking)
        self._group = np.where(catalogue, np.where(inner, 4, 0), np.where(inner, 6, 2)).astype(np.int64)
        order = sorted(range(len(entries)), key=lambda i: (not entries[i].catalogue, not _on_map(entries[i].lat),
                                                           0 if entries[i].catalogue else entries[i].lat,
                                                           len(entries[i].name), entries[i].name))
        self._tiebreak = np.empty(len(entries), dtype=np.int64)
        self._tiebreak[order] = np.arange(len(entries))
        logger.debug("search index: %d entries, %d keys", len(entries), len(keys))

    def __len__(self) -> int:
        return len(self.entries)

    def _scores(self, q: str) -> tuple[np.ndarray, np.ndarray]:
        """(score 0..100, group) of every key for the normalised query ``q``."""
        whole = process.cdist([q], self._keys, scorer=fuzz.ratio, dtype=np.float32)[0]
        prefix = np.zeros_like(whole)
        for n in sorted({max(len(q) - 1, 1), len(q), len(q) + 1}):
            cut = [k[:n] for k in self._keys]
            prefix = np.maximum(prefix, process.cdist([q], cut, scorer=fuzz.ratio, dtype=np.float32)[0])
        is_prefix = prefix > whole
        return np.maximum(whole, prefix), self._group + is_prefix

    def search(self, query: str, limit: int = 12) -> SearchAnswer:
        """Answer ``query`` (a name or coordinates); at most ``limit`` results (a group's members all kept).

        Raises :class:`UnknownFeatureError` when no name is close, :class:`CoordinateTextError` for
        coordinates that cannot be read.
        """
        text = str(query).strip()
        if looks_like_coordinates(text):
            return _coordinates_answer(text, parse_coordinates(text))
        q = normalise_name(text)
        if not q:
            return SearchAnswer(text, "empty")
        score, group = self._scores(q)
        rank = np.rint(score)
        least = 100.0 if len(q) <= 3 else MIN_SCORE
        hits = np.flatnonzero(rank >= least)
        if hits.size == 0:
            raise UnknownFeatureError(self._nothing(text))
        order = hits[np.lexsort((self._tiebreak[self._entry[hits]], group[hits], -rank[hits]))]
        top = rank[order[0]]
        picked: list[tuple[int, float, int]] = []
        seen: set[int] = set()
        for k in order:
            e = int(self._entry[k])
            if e in seen:
                continue
            if rank[k] < top - KEEP_WITHIN or (len(picked) >= limit and (rank[k], group[k]) != picked[0][1:]):
                break
            seen.add(e)
            picked.append((e, float(rank[k]), int(group[k])))
        results = [self.entries[e].result(s, g) for e, s, g in picked]
        tied = [r for (e, s, g), r in zip(picked, results, strict=True) if (s, g) == picked[0][1:] and r.site_id]
        if len(tied) >= 2:
            results.insert(0, self._group_result(tied, picked[0][2]))
        note = ("IAU features were not searched: the gazetteer is not fetched yet."
                if self.gazetteer_problem is not None else "")
        return SearchAnswer(text, "found" if results[0].on_map else "off_map", tuple(results), note)

    def _group_result(self, tied: list[SearchResult], group: int) -> SearchResult:
        boxes = np.array([self._by_site[str(r.site_id)].bounds for r in tied], dtype=np.float64)
        fly = _frame((boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()), MIN_WIDTH_KM)
        words = [r.name.split() for r in tied]
        common = []
        for column in zip(*words, strict=False):
            if len(set(column)) > 1:
                break
            common.append(column[0])
        head = " ".join(common).rstrip(":,;- ")
        name = f"{head}: all {len(tied)}" if head else f"All {len(tied)} catalogue matches"
        return SearchResult(name, "group", fly.lon_deg, fly.lat_deg, True, tied[0].score, fly,
                            "the site catalogue", _GROUP_WORDS[group], None, math.nan,
                            tuple(str(r.site_id) for r in tied))

    def _nothing(self, text: str) -> str:
        gaz = (" IAU features could not be searched: the gazetteer is not fetched yet (python -m lunarmap fetch)."
               if self.gazetteer_problem is not None else "")
        return (f"nothing is named like {text!r}; try part of a site or crater name such as 'Shackleton', "
                f"'de Gerlache', 'Haworth' or 'Artemis', or coordinates such as '-89.5, 45' or '89.5S 45E'.{gaz}")


def _coordinates_answer(text: str, readings: list[Reading]) -> SearchAnswer:
    results = []
    for r in readings:
        on = _on_map(r.lat_deg)
        fly = FlyTarget(r.lon_deg, r.lat_deg, COORDINATE_WIDTH_KM) if on else None
        results.append(SearchResult(r.describe(), "coordinates", r.lon_deg, r.lat_deg, on, 100.0, fly,
                                    "typed coordinates", r.order))
    on_map = [x for x in results if x.on_map]
    off = [x for x in results if not x.on_map]
    if len(results) == 1:
        return SearchAnswer(text, "found" if on_map else "off_map", tuple(results))
    if len(on_map) == 2:
        return SearchAnswer(text, "ambiguous", tuple(results),
                            "Both orders are places on the map: choose latitude, longitude or longitude, latitude "
                            "(or type S/N and E/W to say which is which).")
    if len(on_map) == 1:
        return SearchAnswer(text, "found", (on_map[0], off[0]),
                            f"Read as {_ORDER[on_map[0].matched]}; as {_ORDER[off[0].matched]} it would be "
                            f"{off[0].name}, "
                            f"north of the map's {abs(MAP_EDGE_LAT_DEG):g}° S edge.")
    return SearchAnswer(text, "off_map", tuple(results),
                        f"Both orders are north of the map's {abs(MAP_EDGE_LAT_DEG):g}° S edge; southern latitudes "
                        "are negative or carry S.")


def gazetteer_stamp(data_dir: str | Path | None = None) -> tuple[str, int, int]:
    """(path, mtime in ns, size in bytes) of the gazetteer file; (path, -1, -1) while it is missing."""
    path = _data_dir(data_dir) / GAZETTEER_FILE
    try:
        st = path.stat()
    except FileNotFoundError:
        return str(path), -1, -1
    return str(path), st.st_mtime_ns, st.st_size


_INDEXES: OrderedDict[tuple, tuple[Sequence[Site], SearchIndex]] = OrderedDict()
_LOCK = threading.Lock()
_KEEP = 4


def search_index(sites: Sequence[Site], data_dir: str | Path | None = None) -> SearchIndex:
    """The index of ``sites`` and the gazetteer in ``data_dir``, kept while both are the same.

    Keyed by the catalogue object and the gazetteer's :func:`gazetteer_stamp`: once the data is
    fetched (or fetched again), the next call builds a new index with the features.
    """
    key = (id(sites), gazetteer_stamp(data_dir))
    with _LOCK:
        hit = _INDEXES.get(key)
        if hit is not None and hit[0] is sites:
            _INDEXES.move_to_end(key)
            return hit[1]
    try:
        features: Sequence[Place] = load_gazetteer(data_dir)
        problem = None
    except DataMissingError as err:
        features, problem = (), err
    index = SearchIndex(sites, features, problem)
    with _LOCK:
        _INDEXES[key] = (sites, index)      # the catalogue is kept with its index: its id is not reused meanwhile
        while len(_INDEXES) > _KEEP:
            _INDEXES.popitem(last=False)
    return index


def search(query: str, sites: Sequence[Site], data_dir: str | Path | None = None, limit: int = 12) -> SearchAnswer:
    """Answer ``query`` over ``sites`` and the gazetteer of ``data_dir`` (see the module's rules)."""
    return search_index(sites, data_dir).search(query, limit)
