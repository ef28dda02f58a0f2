"""The panels beside the map: the selected sites and the clicked point (lon/lat, elevation, PSR status).

Every number comes from the lunarmap library (:mod:`lunarmap.product_sampling`, :mod:`lunarmap.geodesy`,
:mod:`lunarmap.psr_official`), with the product and resolution it rests on; text from data files is shown
through :func:`lunarmap_ui.page.md_text`.
"""

from __future__ import annotations

import math
from pathlib import Path

import streamlit as st

from lunarmap.crs import polar_to_lonlat
from lunarmap.errors import DataMissingError, LunarmapError
from lunarmap.geodesy import distance_m
from lunarmap.sites import Site, SiteCatalog

from .errors import error_words, log_error
from .page import K_CLICK, K_SELECTED, data_stamp, md_text
from .reruns import request_page_rerun

__all__ = ["selection_panel", "click_readout"]


def _sample(func_name: str, lon: float, lat: float, data_dir: Path) -> tuple[float, str]:
    """(value, 'product at resolution') from lunarmap.product_sampling, or (nan, reason)."""
    from lunarmap import product_sampling

    try:
        s = getattr(product_sampling, func_name)(lon, lat, data_dir=data_dir)
    except DataMissingError:
        return math.nan, "data not fetched or prepared yet"
    except LunarmapError as err:
        log_error(err, f"{func_name} at {lon:.4f}, {lat:.4f}")
        return math.nan, error_words(err)
    value = float(s.values)
    res = s.resolution_m
    res_txt = f"{float(res):,.0f} m" if not hasattr(res, "shape") or getattr(res, "shape", ()) == () else "mixed"
    fallback = "".join(f"; {error_words(p)}" for p in s.problems)   # a finer product out of reach, and why
    return value, f"{s.product}, {res_txt} resolution{fallback}"


def _fmt_lat(lat: float) -> str:
    return f"{abs(lat):.4f}° {'S' if lat < 0 else 'N'}"


def _fmt_lon(lon: float) -> str:
    return f"{abs(lon):.4f}° {'W' if lon < 0 else 'E'}"


def selection_panel(catalog: SiteCatalog, data_dir: Path) -> None:
    """Details of the selected sites: source, distance to the pole and to each other, elevation and slope."""
    st.subheader("Selected sites")
    st.multiselect("Selected", catalog.ids, key=K_SELECTED, format_func=lambda i: catalog[i].name,
                   label_visibility="collapsed", on_change=request_page_rerun,
                   placeholder="Click a site marker or label (Shift+click inside a region)")
    chosen: list[Site] = [catalog[i] for i in st.session_state.get(K_SELECTED, []) if i in catalog.ids]
    for s in chosen:
        lon, lat = s.lonlat
        to_pole_km = distance_m(lon, lat, 0.0, -90.0) / 1000.0
        lines = [f"**{md_text(s.name)}**",
                 f"{md_text(s.kind)} · {md_text(s.agency)}" + (f" · {md_text(s.date)}" if s.date else ""),
                 f"{'centre ' if s.is_region else ''}{_fmt_lat(lat)}, {_fmt_lon(lon)}"]
        if s.is_region:
            lines.append(f"area {s.area_km2:,.1f} km² on the sphere")
        lines.append(f"to the pole: {to_pole_km:,.1f} km (geodesic)")
        for other in chosen:
            if other.id != s.id:
                olon, olat = other.lonlat
                d_km = distance_m(lon, lat, olon, olat) / 1000.0
                lines.append(f"to {md_text(other.name)}: {d_km:,.1f} km")
        elev, elev_src = _sample("sample_elevation_m", lon, lat, data_dir)
        slope, slope_src = _sample("sample_slope_deg", lon, lat, data_dir)
        lines.append(f"elevation: {elev:,.0f} m ({md_text(elev_src)})" if math.isfinite(elev)
                     else f"elevation: not available ({md_text(elev_src)})")
        lines.append(f"slope: {slope:.1f}° ({md_text(slope_src)})" if math.isfinite(slope)
                     else f"slope: not available ({md_text(slope_src)})")
        lines.append(f"source: {md_text(s.source)}")
        with st.container(border=True):
            st.markdown("  \n".join(lines))


def click_readout(data_dir: Path) -> None:
    """Lon/lat, elevation and PSR status of the last clicked point."""
    st.subheader("Clicked point")
    click = st.session_state.get(K_CLICK)
    if not click:
        st.caption("Click the map to read out a point.")
        return
    text, lat, lon = _readout(float(click["x"]), float(click["y"]), str(data_dir), data_stamp(data_dir))
    st.markdown(text)
    st.code(f"{lat:.6f}, {lon:.6f}", language=None)     # Streamlit's copy button: lat, lon in degrees
    st.caption("lat, lon (degrees, IAU_2015:30100): the copy button on the right copies them")


# every run of the map shows the readout again: the rasters are sampled once per point (and state of the data)
@st.cache_data(show_spinner=False, max_entries=256)
def _readout(x: float, y: float, data_dir_text: str, stamp: int) -> tuple[str, float, float]:
    """The readout's Markdown for map point (x, y) in metres, and its lat, lon in degrees."""
    data_dir = Path(data_dir_text)
    lon, lat = (float(v) for v in polar_to_lonlat(x, y))
    elev, elev_src = _sample("sample_elevation_m", lon, lat, data_dir)
    psr, psr_src = _sample("sample_psr", lon, lat, data_dir)
    from lunarmap.psr_official import OFFICIAL_PRODUCT, load_official, official_psr_at

    try:
        hit, has_official = official_psr_at(lon, lat, data_dir)[0], load_official(data_dir) is not None
    except LunarmapError as err:        # the readout says what the 60 m grid alone says
        log_error(err, "official PSR outlines at the clicked point")
        hit, has_official = None, False
    if math.isfinite(psr) and psr_src.startswith(OFFICIAL_PRODUCT):      # the official outlines decided
        psr_txt = (f"in permanent shadow (official LOLA outline {hit.psr_id}, {hit.area_km2:,.1f} km²)"
                   if psr >= 0.5 and hit is not None else
                   "not in a PSR ≥ 5 km² (official outlines, 75° S to the pole); PSRs under 5 km² are mapped only "
                   "poleward of 85° S")
    elif math.isfinite(psr) and has_official:                            # the 60 m grid decided
        psr_txt = ("in permanent shadow (60 m PSR grid: a PSR under 5 km² or the edge of a larger one)" if psr >= 0.5
                   else "not permanently shadowed (60 m PSR grid, PSRs of every size)")
    elif math.isfinite(psr):
        psr_txt = "in permanent shadow" if psr >= 0.5 else "not permanently shadowed"
    elif has_official:
        psr_txt = "unknown here (the official PSR outlines cover about 75° S to the pole)"
    else:
        psr_txt = "unknown here (the 60 m PSR grid covers about 85° S to the pole)"
    text = (
        f"{_fmt_lat(lat)}, {_fmt_lon(lon)}  \n"
        f"map x = {x:,.0f} m, y = {y:,.0f} m (IAU_2015:30135)  \n"
        + (f"elevation: {elev:,.0f} m ({md_text(elev_src)})  \n" if math.isfinite(elev)
           else f"elevation: not available ({md_text(elev_src)})  \n")
        + f"PSR: {md_text(psr_txt)}"
    )
    return text, lat, lon
