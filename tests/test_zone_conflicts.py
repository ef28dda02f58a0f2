"""lunarmap.zones.conflicts: overlapping pairs, conflicts, periods and per-zone summaries, against analytic areas."""

from __future__ import annotations

import numpy as np
import pytest

from lunarmap.crs import SOUTH_POLAR_CODE
from lunarmap.errors import ZoneError
from lunarmap.geodesy import cap_area_km2, distance_m, forward, lens_area_km2
from lunarmap.sites import load_sites
from lunarmap.zones import SIZING_RULES, analyse_zones, circle_zone, pair_reason, polygon_zone, union_area_km2


def test_zones_touching_at_one_point_do_not_overlap_sharing_area_do():
    a = polygon_zone("A", "NASA", [(0, 0), (10_000, 0), (10_000, 10_000), (0, 10_000)], crs=SOUTH_POLAR_CODE)
    b = polygon_zone("B", "CNSA", [(10_000, 10_000), (20_000, 10_000), (20_000, 20_000), (10_000, 20_000)], crs=SOUTH_POLAR_CODE)
    c = polygon_zone("C", "CNSA", [(5_000, 5_000), (15_000, 5_000), (15_000, 15_000), (5_000, 15_000)], crs=SOUTH_POLAR_CODE)
    d = polygon_zone("D", "NASA", [(10_000, 0), (20_000, 0), (20_000, 10_000), (10_000, 10_000)], crs=SOUTH_POLAR_CODE)
    report = analyse_zones([a, b, c, d])
    pairs = {(p.a, p.b): p for p in report.pairs}
    assert (a.id, b.id) not in pairs and (b.id, a.id) not in pairs  # corner contact
    assert (a.id, d.id) not in pairs and (d.id, a.id) not in pairs  # shared edge only
    ac = pairs.get((a.id, c.id)) or pairs[(c.id, a.id)]
    assert ac.conflict and ac.overlap_km2 == pytest.approx(25.0, rel=1e-3)  # 5 x 5 km near the pole (k ~ 1)
    assert ac.share_of_a == pytest.approx(0.25, rel=1e-3)
    bc = pairs.get((b.id, c.id)) or pairs[(c.id, b.id)]
    assert not bc.conflict  # same owner
    assert {p.a for p in report.conflicts} | {p.b for p in report.conflicts} >= {a.id, c.id}


def test_overlap_of_two_circle_zones_is_the_analytic_lens():
    lon2, lat2, _ = forward(30.0, -87.0, 100.0, 25_000.0)
    a = circle_zone("A", "NASA", 30.0, -87.0, 20.0)
    b = circle_zone("B", "CNSA", lon2, lat2, 15.0)
    (pair,) = analyse_zones([a, b]).pairs
    assert pair.overlap_km2 == pytest.approx(lens_area_km2(20.0, 15.0, 25.0), rel=5e-3)


def test_sites_inside_zones_and_psr_function_is_used():
    sites = load_sites()
    z = circle_zone("CE4 keep-out", "CNSA", *sites["chang-e-4"].lonlat, 2.0, rule=SIZING_RULES["nasa-2011-descent-landing"].formula)
    pole = circle_zone("Pole", "NASA", 0.0, -90.0, 20.0)
    seen = []
    report = analyse_zones([z, pole], sites, psr_km2=lambda g: (seen.append(g) or 1.5, "test"), psr_total_km2=3.0)
    s_ce4, s_pole = report.zones
    assert s_ce4.sites_inside == ("chang-e-4",)
    assert "ilrs" in s_pole.sites_inside and "chang-e-7-target" in s_pole.sites_inside
    assert s_pole.psr_share_of_all == pytest.approx(0.5) and len(seen) == 2


# --- periods -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b", "together"), [
    (("2026-01-01", "2027-12-31"), ("2028-01-01", "2030-01-01"), False),   # one after the other
    (("2028-01-01", None), ("2026-01-01", "2027-06-30"), False),            # open end, but starts after b ends
    (("2026-01-01", "2028-01-01"), ("2027-01-01", "2030-01-01"), True),
    (("2026-01-01", "2027-01-01"), ("2027-01-01", "2030-01-01"), True),     # one common day
    ((None, None), ("2027-01-01", "2030-01-01"), True),                     # open-ended
    (("2026-01-01", None), (None, "2026-01-01"), True),
])
def test_zones_that_never_exist_together_do_not_conflict(a, b, together):
    za = circle_zone("A", "NASA", 0.0, -89.0, 5.0, start=a[0], end=a[1])
    zb = circle_zone("B", "CNSA", 0.0, -89.0, 5.0, start=b[0], end=b[1])
    (pair,) = analyse_zones([za, zb]).pairs
    assert pair.overlap_km2 == pytest.approx(cap_area_km2(5.0), rel=1e-3)  # same area either way
    assert pair.periods_overlap is together and pair.conflict is together


def test_report_method_explains_periods():
    assert "periods" in analyse_zones([circle_zone("A", "NASA", 0.0, -89.0, 5.0)]).method


def _mutually_overlapping(n: int, owners: int = 7):
    from lunarmap.geodesy import forward_lonlat

    rng = np.random.default_rng(3)
    lon, lat = forward_lonlat(np.full(n, 30.0), np.full(n, -85.0), rng.uniform(0, 360, n), rng.uniform(0, 20_000, n))
    return [circle_zone(f"z{i}", f"owner {i % owners}", float(a), float(b), 50.0)
            for i, (a, b) in enumerate(zip(lon, lat, strict=True))]


def test_analyse_zones__many_mutually_overlapping_zones_match_the_pairwise_lens_areas():
    zones = _mutually_overlapping(40)
    report = analyse_zones(zones)
    assert len(report.pairs) == 40 * 39 // 2
    by_id = {z.id: z for z in zones}
    for p in report.pairs[::97]:
        a, b = by_id[p.a], by_id[p.b]
        d_km = distance_m(*a.centre_lonlat, *b.centre_lonlat) / 1000.0
        assert p.overlap_km2 == pytest.approx(lens_area_km2(50.0, 50.0, d_km), rel=2e-3)
        assert p.conflict == (a.owner != b.owner)


def test_analyse_zones__too_many_pairs_for_the_page_is_refused_with_the_cli_offered_which_takes_them_all():
    with pytest.raises(ZoneError, match=r"20 zones make 190 overlapping pairs, more than the 100 analysed at once.*"
                                        r"python -m lunarmap zones check FILE"):
        analyse_zones(_mutually_overlapping(20), max_pairs=100)
    assert len(analyse_zones(_mutually_overlapping(20)).pairs) == 190      # no limit: the command line's way


# --- reasons and union ---------------------------------------------------------------------------


def test_pair_reason__names_why_each_overlap_is_or_is_not_a_conflict():
    a = circle_zone("A", "NASA", 0.0, -89.7, 10.0, end="2030-12-31")
    same = circle_zone("B", " nasa ", 180.0, -89.8, 10.0)                       # the same owner, written otherwise
    other = circle_zone("C", "CNSA", 90.0, -89.75, 10.0)
    later = circle_zone("D", "ESA", 270.0, -89.75, 10.0, start="2040-01-01")
    report = analyse_zones([a, same, other, later])
    reasons = {(p.a, p.b): pair_reason(p, [a, same, other, later]) for p in report.pairs}
    assert reasons[(a.id, same.id)] == "no: same owner"
    assert reasons[(a.id, other.id)] == "yes: different owners"
    assert reasons[(a.id, later.id)] == "no: never at the same time"
    assert all(r.startswith("yes") == p.conflict for p, r in zip(report.pairs, reasons.values(), strict=True))


def test_union_area_km2__counts_overlaps_once_against_the_analytic_lens():
    r_km = 10.0
    a = circle_zone("A", "NASA", 0.0, -89.7, r_km)
    b = circle_zone("B", "CNSA", 180.0, -89.8, r_km)
    d_km = distance_m(0.0, -89.7, 180.0, -89.8) / 1000
    expected = a.area_km2 + b.area_km2 - lens_area_km2(r_km, r_km, d_km)
    assert union_area_km2([a, b]) == pytest.approx(expected, rel=1e-3)
    assert union_area_km2([a]) == pytest.approx(a.area_km2, rel=1e-9)
    assert union_area_km2([]) == 0.0
