"""An elevation profile as CSV (units and source of every column) and as the JSON payload the page's chart draws.

CSV (:func:`profile_csv`): a comment block first, every line starting with ``#`` (pandas reads it with
``comment="#"``), then one header line and one row per sample. The block says what the path is, the
vertices, the CRSs, the PSR bands, and for every column its unit and source (product name and resolution). Sources that
change along the path are also columns of their own (``elevation_source``, ``elevation_resolution_m``,
``psr_resolution_m``), so every row says where its numbers come from. Numbers at full precision (Python's
shortest round-trip form); an empty cell is "no value" (e.g. no PSR map there).

Payload (:func:`profile_payload`): a JSON-ready dict (no NaN: ``None`` instead), rounded to what the data
can tell (mm for metres, 1e-4 deg for slopes, 1e-8 deg for lon/lat)::

    {
      "n": 1000, "total_m": 100000.0, "spacing_m": 100.1,
      "distance_m": [...n], "elevation_m": [...n or None], "slope_along_deg": [...n or None],
      "slope_across_deg": [...n or None], "in_psr": [1 | 0 | None ...n], "resolution_m": [...n],
      "x_m": [...n], "y_m": [...n], "lon_deg": [...n], "lat_deg": [...n],   # to mark a hovered sample on the map
      "psr_bands": [{"start_m", "end_m", "psr_id", "place", "resolution_m"}, ...],   # place: IAU name or ""
      "resolution_bands": [{"start_m", "end_m", "product", "resolution_m"}, ...],
      "vertices": {"lon_deg": [...], "lat_deg": [...], "x_m": [...], "y_m": [...], "distance_m": [...]},
      "units": {"distance_m": "m", ...},
      "sources": {"path": ..., "elevation": ..., "slope": ..., "psr": ...,
                  "elevation_problems": [...]}   # finer DEMs not used (out of reach), each in words; usually []
    }

Sunlit % along the line (:func:`sunlit_payload`, on demand) is a payload of its own.

Per-sample lists share one index (sample ``i`` is at ``distance_m[i]`` along the path and at
``x_m[i], y_m[i]`` on the map, IAU_2015:30135 metres). Band distances are metres along the path.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from typing import Any

import numpy as np

from .csv_safety import csv_safe
from .profile import PATH_METHOD, SLOPE_METHOD, Profile, SunlitAlong

logger = logging.getLogger(__name__)

__all__ = ["CSV_COLUMNS", "profile_csv", "profile_payload", "sunlit_payload", "elevation_sources_text"]

#: Columns of the profile CSV, units in every name (text and flag columns say what they hold).
CSV_COLUMNS = ("distance_m", "lon_deg", "lat_deg", "x_m", "y_m", "elevation_m", "elevation_resolution_m",
               "elevation_source", "slope_along_deg", "slope_across_deg", "in_psr_flag", "psr_id", "psr_resolution_m")

_UNITS = {"distance_m": "m", "elevation_m": "m above the 1,737,400 m sphere", "slope_along_deg": "deg",
          "slope_across_deg": "deg", "in_psr": "1 PSR, 0 not, null no PSR map", "resolution_m": "m",
          "x_m": "m (IAU_2015:30135)", "y_m": "m (IAU_2015:30135)", "lon_deg": "deg east (IAU_2015:30100)",
          "lat_deg": "deg north (IAU_2015:30100)"}


def elevation_sources_text(profile: Profile) -> str:
    """The DEMs behind the profile with their resolutions, finest first: ``name (1600 m), ...``."""
    seen: dict[str, float] = {}
    for name, res in zip(profile.elevation_product, profile.elevation_resolution_m, strict=True):
        if name and name not in seen:
            seen[name] = float(res)
    return ", ".join(f"{n} ({_res_text(r)})" for n, r in sorted(seen.items(), key=lambda kv: kv[1]))


def _res_text(res_m: float) -> str:
    return f"{res_m:,.0f} m" if res_m >= 10 else f"{res_m:g} m"


def _cell(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        return "" if not math.isfinite(float(v)) else repr(float(v))
    return csv_safe(v)


def _header(profile: Profile) -> list[str]:
    verts = ", ".join(f"({lo!r}, {la!r})" for lo, la in zip(profile.vertex_lon_deg.tolist(),
                                                            profile.vertex_lat_deg.tolist(), strict=True))
    psr = (f"{profile.psr_product}; resolution per row in psr_resolution_m (60 m poleward of 82 S, 120 m beyond)"
           if profile.psr_product else "not computed")
    dems = elevation_sources_text(profile)
    return [
        "lunarmap elevation profile",
        f"path: {PATH_METHOD}",
        f"length_m: {profile.total_m!r}; samples: {profile.n}; spacing_m: {profile.spacing_m!r}",
        f"vertices (lon_deg, lat_deg): {verts}",
        "column distance_m: metres along the path from the first vertex, geodesic on the Moon sphere (lunarmap.geodesy)",
        "column lon_deg, lat_deg: degrees east / north, IAU_2015:30100 (sphere R = 1,737,400 m)",
        "column x_m, y_m: metres, south polar stereographic IAU_2015:30135 (the map's coordinates)",
        f"column elevation_m: metres above the 1,737,400 m sphere, bilinear, from the finest DEM with data at the "
        f"sample; DEMs used: {dems}",
        "column elevation_resolution_m: ground resolution in metres of that row's DEM",
        "column elevation_source: that row's DEM (file name without extension, as in data/rasters)",
        f"column slope_along_deg, slope_across_deg: degrees from that row's DEM; {SLOPE_METHOD}",
        f"column in_psr_flag: 1 = in a permanently shadowed region, 0 = not, empty = no PSR map covers; source: {psr}",
        "column psr_id: the official LOLA PSR_ID of the outline holding the sample, or 'psr_60m outline N' for a PSR "
        "mapped only on the 60 m grid (LPSR_85S_060M_201608); empty outside PSRs",
        "column psr_resolution_m: ground resolution in metres of that row's PSR map",
        *(f"full-resolution elevation not used, coarser data instead: {' '.join(str(p).split())}"
          for p in profile.elevation_problems),
        *(f"psr band: {b.start_m!r} to {b.end_m!r} m along the path, {b.psr_id}"
          + (f" (in {b.place}, IAU Gazetteer of Planetary Nomenclature)" if b.place else "") for b in profile.psr_bands),
    ]


def profile_csv(profile: Profile) -> str:
    """The profile as CSV text: the ``#`` comment block, the header line, one row per sample (full precision)."""
    buf = io.StringIO()
    for line in _header(profile):
        buf.write(f"# {line}\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    cols = (profile.distance_m, profile.lon_deg, profile.lat_deg, profile.x_m, profile.y_m, profile.elevation_m,
            profile.elevation_resolution_m, profile.elevation_product, profile.slope_along_deg,
            profile.slope_across_deg, profile.in_psr, profile.psr_id, profile.psr_resolution_m)
    for i in range(profile.n):
        row = [_cell(c[i]) for c in cols]
        if row[10] != "":
            row[10] = str(int(float(profile.in_psr[i])))
        writer.writerow(row)
    logger.debug("profile CSV: %d rows", profile.n)
    return buf.getvalue()


def _list(values: np.ndarray, digits: int) -> list[float | None]:
    arr = np.round(np.asarray(values, dtype=float), digits)
    return [float(v) if math.isfinite(v) else None for v in arr.tolist()]


def profile_payload(profile: Profile) -> dict[str, Any]:
    """The JSON-ready payload of the page's chart (shape in the module docstring)."""
    in_psr = [None if not math.isfinite(v) else int(v) for v in np.asarray(profile.in_psr, dtype=float).tolist()]
    return {
        "n": profile.n, "total_m": round(profile.total_m, 3), "spacing_m": round(profile.spacing_m, 3),
        "distance_m": _list(profile.distance_m, 3), "elevation_m": _list(profile.elevation_m, 3),
        "slope_along_deg": _list(profile.slope_along_deg, 4), "slope_across_deg": _list(profile.slope_across_deg, 4),
        "in_psr": in_psr, "resolution_m": _list(profile.elevation_resolution_m, 3),
        "x_m": _list(profile.x_m, 3), "y_m": _list(profile.y_m, 3),
        "lon_deg": _list(profile.lon_deg, 8), "lat_deg": _list(profile.lat_deg, 8),
        "psr_bands": [{"start_m": round(b.start_m, 3), "end_m": round(b.end_m, 3), "psr_id": b.psr_id,
                       "place": b.place, "resolution_m": b.resolution_m} for b in profile.psr_bands],
        "resolution_bands": [{"start_m": round(b.start_m, 3), "end_m": round(b.end_m, 3), "product": b.product,
                              "resolution_m": b.resolution_m} for b in profile.resolution_bands],
        "vertices": {"lon_deg": _list(profile.vertex_lon_deg, 8), "lat_deg": _list(profile.vertex_lat_deg, 8),
                     "x_m": _list(profile.vertex_x_m, 3), "y_m": _list(profile.vertex_y_m, 3),
                     "distance_m": _list(profile.vertex_distance_m, 3)},
        "units": dict(_UNITS),
        "sources": {"path": PATH_METHOD, "elevation": elevation_sources_text(profile), "slope": SLOPE_METHOD,
                    "psr": profile.psr_product or "not computed",
                    "elevation_problems": [str(p) for p in profile.elevation_problems]},
    }


def sunlit_payload(sunlit: SunlitAlong) -> dict[str, Any]:
    """JSON-ready sunlit % along the line: per point its distance (m), map x/y (m), sunlit and Earth-visible %.

    ``{"distance_m": [...], "x_m": [...], "y_m": [...], "sunlit_pct": [...], "earth_pct": [...],
    "start_utc": "...", "end_utc": "...", "step_hours": 2.0, "method": "..."}`` (percent to 0.01).
    """
    return {"distance_m": _list(sunlit.distance_m, 3), "x_m": _list(sunlit.x_m, 3), "y_m": _list(sunlit.y_m, 3),
            "sunlit_pct": _list(100.0 * np.asarray(sunlit.sunlit_fraction, dtype=float), 2),
            "earth_pct": _list(100.0 * np.asarray(sunlit.earth_fraction, dtype=float), 2),
            "start_utc": str(sunlit.start_utc), "end_utc": str(sunlit.end_utc), "step_hours": sunlit.step_hours,
            "method": sunlit.method}
