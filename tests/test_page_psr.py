"""The page's PSR texts: the click readout names the source that decided, the legend the latitudes each covers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lunarmap import layers as L
from lunarmap.crs import lonlat_to_polar
from lunarmap.psr_official import load_official
from lunarmap_ui import page

from .apptest_page import fresh_caches, run_page  # noqa: F401 - fresh_caches: autouse fixture


def _psr_display(half_m: float) -> SimpleNamespace:
    return SimpleNamespace(name="psr", bounds_m=(-half_m, -half_m, half_m, half_m), title="PSR", units="",
                           legend={"type": "classes", "classes": [{"label": "permanently shadowed", "color": "#1e90ffcc"}]})


def test_legend__psr_note_gives_75s_for_the_outlines_and_85s_for_small_psrs() -> None:
    (entry, _) = page._legend([_psr_display(457_500.0)], {"psr": L.LayerSetting(True, 1.0)})
    assert entry["note"] == ("PSRs ≥ 5 km² are mapped to about 75° S (outer blue box; about 69° S in its corners), "
                             "PSRs under 5 km² only poleward of 85° S (inner box); nothing is known beyond the outer box.")


def test_legend__psr_note_for_the_60m_grid_alone_is_unchanged() -> None:
    (entry, _) = page._legend([_psr_display(151_740.0)], {"psr": L.LayerSetting(True, 1.0)})
    assert entry["note"] == "Data stops at about 85° S (blue box); nothing is known beyond it."


def _readout(monkeypatch, data_dir, x: float, y: float) -> str:
    at = run_page(monkeypatch, data_dir)
    at.session_state[page.K_CLICK] = {"x": x, "y": y}
    at.run()
    assert not at.exception, at.exception
    return next(m.value for m in at.markdown if "PSR: " in m.value).split("PSR: ", 1)[1]


@pytest.mark.realdata
def test_click_readout__names_the_official_outline(monkeypatch, prepared_data_dir) -> None:
    x, y = (float(v) for v in lonlat_to_polar(129.78, -89.67))       # Shackleton
    text = _readout(monkeypatch, prepared_data_dir, x, y)
    assert text == page.md_text("in permanent shadow (official LOLA outline SP_896450_1282030, 233.7 km²)")


@pytest.mark.realdata
def test_click_readout__ring_and_beyond_say_what_is_known(monkeypatch, prepared_data_dir) -> None:
    assert _readout(monkeypatch, prepared_data_dir, 300_000.0, 0.0) == page.md_text(
        "not in a PSR ≥ 5 km² (official outlines, 75° S to the pole); PSRs under 5 km² are mapped only poleward of 85° S")
    assert _readout(monkeypatch, prepared_data_dir, 0.0, 600_000.0) == page.md_text(
        "unknown here (the official PSR outlines cover about 75° S to the pole)")


@pytest.mark.realdata
def test_click_readout__a_small_psr_comes_from_the_60m_grid(monkeypatch, prepared_data_dir) -> None:
    import geopandas as gpd

    from lunarmap.rasters import PREPARED

    outlines = gpd.read_file(prepared_data_dir / "prepared" / PREPARED["psr_outlines"])
    alone = outlines[~outlines["id"].isin(load_official(prepared_data_dir).grid_ids_inside)]
    p = alone.loc[alone["area_km2"].idxmax()].geometry.representative_point()
    assert max(abs(p.x), abs(p.y)) < 151_740.0                     # on the 60 m grid
    assert _readout(monkeypatch, prepared_data_dir, p.x, p.y) == page.md_text(
        "in permanent shadow (60 m PSR grid: a PSR under 5 km² or the edge of a larger one)")
