"""How many digits a shown number deserves: rounding to what the data resolves.

Tables on the page show numbers rounded to the precision their data supports; downloads keep full
precision. The rules:

* an elevation is rounded to a step tied to the DEM's pixel size: 1 m from DEMs of 100 m pixels or finer
  (the 5 m and 20 m LOLA products), 10 m up to 5 km pixels (the 1.6 km polar DEM), 100 m beyond (the 10.7 km
  global DEM); a grid that averages a crater floor over 1.6 km does not know its height to the metre;
* distances in km to 0.1 km, areas in km² to 0.1 km² (and, under 1 km², to 0.01 km² so a small overlap is not
  shown as 0), percentages to 0.1 %, slopes to 0.1°, resolutions and heights of the Sun and Earth to whole units.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["elevation_step_m", "round_elevation_m", "round_area_km2", "round_table"]

#: Rounding of table columns by name suffix: (suffix, decimals); elevation columns are handled by resolution.
_DECIMALS = (("_km2", 1), ("_km", 1), ("_pct", 1), ("_deg", 1), ("_resolution_m", 0), ("_h", 0))


def elevation_step_m(resolution_m: float) -> float:
    """The rounding step of an elevation read from a DEM of ``resolution_m`` pixels (NaN: 1 m).

    >>> elevation_step_m(5.0), elevation_step_m(1600.0), elevation_step_m(10_700.0)
    (1.0, 10.0, 100.0)
    """
    if not math.isfinite(resolution_m) or resolution_m <= 100.0:
        return 1.0
    return 10.0 if resolution_m <= 5_000.0 else 100.0


def round_elevation_m(value_m: float, resolution_m: float) -> float:
    """``value_m`` rounded to :func:`elevation_step_m` of its DEM.

    >>> round_elevation_m(-5928.3231, 1600.0), round_elevation_m(-5928.3231, 5.0)
    (-5930.0, -5928.0)
    """
    if not math.isfinite(value_m):
        return value_m
    step = elevation_step_m(resolution_m)
    return float(round(value_m / step) * step)


def round_area_km2(value_km2: float) -> float:
    """An area rounded to 0.1 km², or to 0.01 km² under 1 km² (a small overlap is not shown as nothing).

    >>> round_area_km2(1234.5678), round_area_km2(0.0432)
    (1234.6, 0.04)
    """
    if not math.isfinite(value_km2):
        return value_km2
    return round(value_km2, 2 if abs(value_km2) < 1.0 else 1)


def round_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a comparison table with every number rounded for display (see the module's rules).

    Elevation columns (``elevation_m``, ``elevation_min_m``, ``elevation_max_m``) use the row's
    ``elevation_resolution_m``; columns ending ``_km2``, ``_km``, ``_pct``, ``_deg``, ``_resolution_m``, ``_h``
    their fixed decimals. Other columns are unchanged.
    """
    out = table.copy()
    res = (pd.to_numeric(out["elevation_resolution_m"], errors="coerce") if "elevation_resolution_m" in out
           else pd.Series(np.nan, index=out.index))
    for col in ("elevation_m", "elevation_min_m", "elevation_max_m"):
        if col in out:
            values = pd.to_numeric(out[col], errors="coerce")
            out[col] = [round_elevation_m(float(v), float(r)) for v, r in zip(values, res, strict=True)]
    for col in out.columns:
        if col.startswith("elevation") and col.endswith("_m") and not col.endswith("_resolution_m"):
            continue
        if not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            continue
        for suffix, decimals in _DECIMALS:
            if col.endswith(suffix):
                out[col] = ([round_area_km2(float(v)) for v in out[col]] if suffix == "_km2"
                            else out[col].round(decimals))
                break
    return out
