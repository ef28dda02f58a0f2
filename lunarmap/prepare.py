"""Turn fetched products into the layers the app uses, in IAU_2015:30135 metres (``lunarmap prepare``).

The polar grid and raster writing (COGs, reprojection, the DEM blend) are in :mod:`lunarmap.polar_grid`,
the display images in :mod:`lunarmap.prepare_display`; the command is :mod:`lunarmap.cli.prepare`.

Outputs in ``data_dir/prepared/`` (see :data:`lunarmap.rasters.PREPARED`): the
global LOLA grid reprojected to a 1,600 m south polar grid reaching 40 S, with
the 1.6 km polar LOLA DEM (LDEM_256) in its place poleward of about 70 S,
blended over a band inside that DEM's edge so the join has no step (a
Cloud-Optimised GeoTIFF, float32 metres, NaN nodata), its Horn hillshade and
slope (true on the sphere: gradients multiplied by the stereographic scale
factor), the slopes of the 1.6 km DEM and of the 5 m Shoemaker crop on their
own grids, the image mosaic on the same grid, the 60 m
PSR mask (COG, 1/0/255) and its vectorised outlines (GeoPackage), the official
LOLA PSR outlines (every PSR >= 5 km2, 75 S to the pole) when fetched, and display
PNGs described in ``display.json`` (read them with :func:`display_layers`).

Each step records the SHA-256 of its inputs and a recipe version in
``prepared/state.json``; a step whose key is unchanged and whose outputs exist
is skipped, so re-running with unchanged inputs writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rasterio.features import rasterize
from rasterio.warp import Resampling

from . import prepare_display as render
from .errors import DataMissingError, RasterError
from .paths import data_dir as _data_dir
from .polar_grid import (
    BLEND_PX,
    DEM_RESOLUTION_M,
    HALF_EXTENT_M,
    PIXEL_M,
    POLAR_DEM_RESOLUTION_M,
    _polar_dem_on,
    _to_polar,
    blend_polar_dem,
    write_cog,
)
from .psr import psr_outlines
from .psr_official import write_official
from .rasters import (
    EFFECTIVE_RESOLUTION_TAG,
    PREPARED,
    SOURCE_DEM,
    SOURCE_DEM_5M,
    SOURCE_DEM_POLAR,
    SOURCE_MOSAIC,
    SOURCE_PSR,
    SOURCE_PSR_POLYGONS,
    SOURCE_WAC,
    open_raster,
)
from .terrain import hillshade, scale_factor_grid, slope_deg
from .terrain_blocks import BlockProgress, terrain_blockwise

__all__ = ["PIXEL_M", "HALF_EXTENT_M", "POLAR_DEM_RESOLUTION_M", "BLEND_PX", "blend_polar_dem", "DisplayLayer", "PrepareStep", "PrepareReport", "prepare", "display_layers"]

logger = logging.getLogger(__name__)

HILLSHADE_Z_FACTOR = 1.0
_STATE_VERSION = 1
#: Settings every step's key includes, so changing one rebuilds the layers.
_PARAMS = {"pixel_m": PIXEL_M, "half_extent_m": HALF_EXTENT_M, "hillshade_z_factor": HILLSHADE_Z_FACTOR}


@dataclass(frozen=True)
class DisplayLayer:
    """One display image and how to place and explain it (an entry of ``display.json``)."""

    name: str
    file: str
    bounds_m: tuple[float, float, float, float]
    title: str
    units: str
    legend: Mapping[str, Any]
    source: str
    resolution_m: float
    licence: str
    note: str
    path: Path = field(compare=False)


@dataclass(frozen=True)
class PrepareStep:
    """What one step did: ``status`` is "built", "up to date" or "missing input"."""

    name: str
    status: str
    seconds: float
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class PrepareReport:
    """All steps of one :func:`prepare` run."""

    data_dir: Path
    steps: tuple[PrepareStep, ...]
    seconds: float

    @property
    def built(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps if s.status == "built")

    @property
    def is_noop(self) -> bool:
        return not self.built


# ----------------------------------------------------------------- steps
@dataclass(frozen=True)
class _Ctx:
    root: Path
    out: Path
    block_progress: Callable[[str, BlockProgress], None] | None = None


def _step_elevation(ctx: _Ctx) -> dict:
    elev, transform = _to_polar(ctx.root / SOURCE_DEM, Resampling.cubic, "float32", float("nan"))
    note = f"LOLA global grid (~{DEM_RESOLUTION_M / 1000:.1f} km) resampled (cubic) to {PIXEL_M:.0f} m pixels"
    tags = {EFFECTIVE_RESOLUTION_TAG: DEM_RESOLUTION_M, "SOURCE": SOURCE_DEM}
    polar = ctx.root / SOURCE_DEM_POLAR
    if polar.exists():
        fine = _polar_dem_on(transform, elev.shape, polar)
        elev = blend_polar_dem(elev.astype(np.float64), fine).astype("float32")
        rows, cols = np.nonzero(np.isfinite(fine))
        inner = (transform @ (cols.min(), rows.max() + 1)) + (transform @ (cols.max() + 1, rows.min()))
        tags.update({"SOURCE": f"{SOURCE_DEM_POLAR} + {SOURCE_DEM}", "INNER_SOURCE": SOURCE_DEM_POLAR,
                     "INNER_RESOLUTION_M": POLAR_DEM_RESOLUTION_M, "INNER_BOUNDS_M": ",".join(f"{b:.0f}" for b in inner),
                     "BLEND_PX": BLEND_PX})
        note = (f"LOLA LDEM_256 at {POLAR_DEM_RESOLUTION_M:.0f} m within {inner[2] / 1000:.1f} km of the pole "
                f"(pole to about 70 S), blended over {BLEND_PX} pixels inside its edge into the " + note)
    write_cog(ctx.out / PREPARED["elevation"], elev, transform, float("nan"), units="m", tags={**tags, "NOTE": note})
    return {}


def _step_terrain_polar(ctx: _Ctx) -> dict:
    """Slope of the 1.6 km polar DEM on its own grid (what analysis samples poleward of about 70 S)."""
    _slope_blockwise(ctx, "terrain-1600m", SOURCE_DEM_POLAR, PREPARED["slope_1600m"])
    return {}


def _slope_blockwise(ctx: _Ctx, step: str, source_rel: str, out_rel: str) -> None:
    """The slope of a source DEM on its own grid, block by block (DEMs larger than memory), with progress."""
    with open_raster(ctx.root / source_rel) as ds:
        resolution_m = abs(ds.transform.a)
    hear = ctx.block_progress
    report = None if hear is None else (lambda p: hear(step, p))
    terrain_blockwise(ctx.root / source_rel, slope_path=ctx.out / out_rel, progress=report,
                      tags={EFFECTIVE_RESOLUTION_TAG: resolution_m, "SOURCE": source_rel,
                            "METHOD": "Horn (1981); gradients x k; block by block"})


def _step_terrain(ctx: _Ctx) -> dict:
    with open_raster(ctx.out / PREPARED["elevation"]) as ds:
        z, transform, etags = ds.read(1), ds.transform, ds.tags()
    k = scale_factor_grid(transform, z.shape)
    tags = {EFFECTIVE_RESOLUTION_TAG: DEM_RESOLUTION_M, "SOURCE": etags.get("SOURCE", SOURCE_DEM),
            "METHOD": "Horn (1981); gradients x k"}
    tags.update({k_: v for k_, v in etags.items() if k_.startswith("INNER_")})
    slope = slope_deg(z, transform, k).astype("float32")
    write_cog(ctx.out / PREPARED["slope"], slope, transform, float("nan"), tags=tags, units="deg")
    shade = hillshade(z, transform, 315.0, 45.0, k, HILLSHADE_Z_FACTOR)
    shade = np.where(np.isnan(slope), np.nan, shade).astype("float32")
    write_cog(ctx.out / PREPARED["hillshade"], shade, transform, float("nan"), tags={**tags, "SUN": "azimuth 315, altitude 45"})
    return {}


def _step_terrain_5m(ctx: _Ctx) -> dict:
    _slope_blockwise(ctx, "terrain-5m", SOURCE_DEM_5M, PREPARED["slope_5m"])
    return {}


def _step_mosaic(ctx: _Ctx) -> dict:
    img, transform = _to_polar(ctx.root / SOURCE_MOSAIC, Resampling.bilinear, "uint8", 0)
    write_cog(ctx.out / PREPARED["mosaic"], img, transform, 0, tags={
        EFFECTIVE_RESOLUTION_TAG: DEM_RESOLUTION_M, "SOURCE": SOURCE_MOSAIC})
    return {}


def _step_psr_mask(ctx: _Ctx) -> dict:
    with open_raster(ctx.root / SOURCE_PSR) as ds:
        mask, transform = ds.read(1), ds.transform
    write_cog(ctx.out / PREPARED["psr"], mask, transform, 255, resampling="mode", tags={
        EFFECTIVE_RESOLUTION_TAG: abs(transform.a), "SOURCE": SOURCE_PSR, "VALUES": "1 PSR, 0 not PSR, 255 nodata"})
    return {}


def _step_psr_outlines(ctx: _Ctx) -> dict:
    with open_raster(ctx.out / PREPARED["psr"]) as ds:
        mask, transform = ds.read(1), ds.transform
    frame = psr_outlines(mask, transform)
    path = ctx.out / PREPARED["psr_outlines"]
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    frame.to_file(tmp, driver="GPKG", layer="psr_outlines")
    os.replace(tmp, path)
    ids = rasterize(zip(frame.geometry.values, frame["id"].to_numpy(), strict=True), out_shape=mask.shape,
                    transform=transform, fill=0, dtype="uint32") if len(frame) else np.zeros(mask.shape, "uint32")
    write_cog(ctx.out / PREPARED["psr_ids"], ids, transform, 0, resampling="nearest", tags={
        EFFECTIVE_RESOLUTION_TAG: abs(transform.a), "SOURCE": SOURCE_PSR, "VALUES": "id of the PSR outline, 0 none"})
    return {"count": len(frame)}


#: The official PSR shapefile's companions (attributes, index): used with it, so a change to them rebuilds it.
_PSR_POLYGON_PARTS = tuple(str(Path(SOURCE_PSR_POLYGONS).with_suffix(s)) for s in (".shx", ".dbf"))


def _step_psr_official(ctx: _Ctx) -> dict:
    """The official LOLA PSR outlines (>= 5 km2, 75 S to the pole), valid, CRS set, with geodesic areas."""
    n = write_official(ctx.root / SOURCE_PSR_POLYGONS, ctx.out / PREPARED["psr_outlines"],
                       ctx.out / PREPARED["psr_official"])
    return {"count": n}


def _display_step(name: str) -> Callable[[_Ctx], dict]:
    def run(ctx: _Ctx) -> dict:
        return render.render_layer(name, ctx.out, DEM_RESOLUTION_M)
    return run


def _step_display_wac(ctx: _Ctx) -> dict:
    """The WAC JPEG as it is (no re-encoding), content-hash named, placed by the catalogue's stated grid."""
    from .catalog import load_catalog

    product = next((p for p in load_catalog() if p.file == SOURCE_WAC), None)
    if product is None or product.bounds_m is None:
        raise RasterError(f"data/sources.toml gives no bounds_m for {SOURCE_WAC}; the image cannot be placed.")
    return render.render_wac(ctx.root / SOURCE_WAC, ctx.out, product.bounds_m, product.licence, product.citation)


#: (name, required source inputs, optional?, upstream steps, recipe version, function, outputs)
_STEPS: tuple[tuple[str, tuple[str, ...], bool, tuple[str, ...], int, Callable[[_Ctx], dict], tuple[str, ...]], ...] = (
    ("elevation", (SOURCE_DEM,), False, (), 2, _step_elevation, (PREPARED["elevation"],)),
    ("terrain", (), False, ("elevation",), 1, _step_terrain, (PREPARED["slope"], PREPARED["hillshade"])),
    ("terrain-5m", (SOURCE_DEM_5M,), True, (), 2, _step_terrain_5m, (PREPARED["slope_5m"],)),
    ("terrain-1600m", (SOURCE_DEM_POLAR,), True, (), 2, _step_terrain_polar, (PREPARED["slope_1600m"],)),
    ("mosaic", (SOURCE_MOSAIC,), True, (), 1, _step_mosaic, (PREPARED["mosaic"],)),
    ("psr-mask", (SOURCE_PSR,), False, (), 1, _step_psr_mask, (PREPARED["psr"],)),
    ("psr-outlines", (), False, ("psr-mask",), 2, _step_psr_outlines, (PREPARED["psr_outlines"], PREPARED["psr_ids"])),
    ("psr-official", (SOURCE_PSR_POLYGONS,), True, ("psr-outlines",), 1, _step_psr_official, (PREPARED["psr_official"],)),
    ("display-elevation", (), False, ("elevation",), render.RECIPE, _display_step("elevation"), ()),
    ("display-hillshade", (), False, ("terrain",), render.RECIPE, _display_step("hillshade"), ()),
    ("display-slope", (), False, ("terrain",), render.RECIPE, _display_step("slope"), ()),
    ("display-mosaic", (), True, ("mosaic",), render.RECIPE, _display_step("mosaic"), ()),
    ("display-wac", (SOURCE_WAC,), True, (), render.RECIPE, _step_display_wac, ()),
    ("display-psr", (), False, ("psr-mask",), render.RECIPE, _display_step("psr"), ()),
)

#: Inputs a step uses when they are there (and rebuilds when they appear, change or go).
_OPTIONAL_INPUTS: dict[str, tuple[str, ...]] = {"elevation": (SOURCE_DEM_POLAR,),
                                                 "psr-official": _PSR_POLYGON_PARTS,
                                                 "display-psr": (SOURCE_PSR_POLYGONS, *_PSR_POLYGON_PARTS)}


# ----------------------------------------------------------------- state and hashing
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _input_hash(root: Path, rel: str, cache: dict) -> str:
    """SHA-256 of an input, reusing the recorded one while its size and modification time are unchanged."""
    st = (root / rel).stat()
    old = cache.get(rel)
    if old and old.get("size") == st.st_size and old.get("mtime_ns") == st.st_mtime_ns:
        return old["sha256"]
    digest = _sha256(root / rel)
    cache[rel] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}
    return digest


def _load_state(path: Path) -> dict:
    try:
        state = json.loads(path.read_text())
    except FileNotFoundError:
        return {"version": _STATE_VERSION, "inputs": {}, "steps": {}}
    except (OSError, ValueError) as err:
        logger.warning("the prepare state %s cannot be read: every step is rebuilt", path, exc_info=err)
        return {"version": _STATE_VERSION, "inputs": {}, "steps": {}}
    if state.get("version") != _STATE_VERSION:
        return {"version": _STATE_VERSION, "inputs": {}, "steps": {}}
    return state


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text() == text:
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def prepare(data_dir: str | Path | None = None, progress: Callable[[PrepareStep], None] | None = None,
            force: bool = False, block_progress: Callable[[str, BlockProgress], None] | None = None) -> PrepareReport:
    """Build (or bring up to date) every prepared layer from the fetched products in ``data_dir``.

    ``progress`` hears of each step as it ends; ``block_progress(step, progress)`` of each block of the
    steps that work block by block (slope of the source DEMs), with the time left.
    """
    root = _data_dir(data_dir)
    out = root / "prepared"
    for rel in (SOURCE_DEM, SOURCE_PSR):
        if not (root / rel).exists():
            raise DataMissingError(
                f"source product {root / rel} is missing; fetch the data first (python -m lunarmap fetch, "
                "with LUNARMAP_DATA_MIRROR=../shared/lunar-data to copy from the local mirror)."
            )
    (out / "display").mkdir(parents=True, exist_ok=True)
    state = _load_state(out / "state.json")
    ctx = _Ctx(root, out, block_progress)
    keys: dict[str, str] = {}
    steps: list[PrepareStep] = []
    entries: list[dict] = []
    t_all = time.perf_counter()
    for name, inputs, optional, upstream, recipe, func, outputs in _STEPS:
        t0 = time.perf_counter()
        missing = [r for r in inputs if not (root / r).exists()] + [u for u in upstream if u not in keys]
        if missing:
            if not optional:
                raise DataMissingError(f"prepare step {name!r} needs {missing}, which are missing; fetch the data again.")
            old = state["steps"].pop(name, None) or {}
            for stale in set(outputs) | set(old.get("outputs", ())):   # never analyse what no longer has a source
                (out / stale).unlink(missing_ok=True)
            steps.append(PrepareStep(name, "missing input", 0.0, ()))
            if progress:
                progress(steps[-1])
            continue
        used = inputs + tuple(r for r in _OPTIONAL_INPUTS.get(name, ()) if (root / r).exists())
        key_doc = {"recipe": recipe, "params": _PARAMS, "inputs": {r: _input_hash(root, r, state["inputs"]) for r in used},
                   "upstream": {u: keys[u] for u in upstream}}
        key = hashlib.sha256(json.dumps(key_doc, sort_keys=True).encode()).hexdigest()
        old = state["steps"].get(name, {})
        old_outputs = tuple(old.get("outputs", ()))
        fresh = (not force and old.get("key") == key and bool(old_outputs)
                 and all((out / o).exists() for o in old_outputs + outputs))
        if fresh:
            meta = old.get("meta", {})
            status, done_outputs = "up to date", old_outputs
        else:
            meta = func(ctx)
            done_outputs = (meta["file_rel"],) if "file_rel" in meta else outputs
            state["steps"][name] = {"key": key, "recipe": recipe, "inputs": key_doc["inputs"], "upstream": upstream,
                                    "outputs": list(done_outputs), "meta": meta}
            status = "built"
        keys[name] = key
        if "entry" in meta:
            entries.append(meta["entry"])
        steps.append(PrepareStep(name, status, time.perf_counter() - t0, tuple(done_outputs)))
        if progress:
            progress(steps[-1])
    _write_if_changed(out / "display.json", json.dumps({"layers": entries}, indent=1, sort_keys=True) + "\n")
    keep = {e["file"] for e in entries}
    for image in [*(out / "display").glob("*.png"), *(out / "display").glob("*.jpg")]:
        if image.name not in keep:
            image.unlink()
    _write_if_changed(out / "state.json", json.dumps(state, indent=1, sort_keys=True) + "\n")
    return PrepareReport(root, tuple(steps), time.perf_counter() - t_all)


def display_layers(data_dir: str | Path | None = None) -> list[DisplayLayer]:
    """The prepared display images, as described in ``prepared/display.json``."""
    out = _data_dir(data_dir) / "prepared"
    path = out / "display.json"
    if not path.exists():
        raise DataMissingError(f"{path} does not exist; run python -m lunarmap prepare first.")
    doc = json.loads(path.read_text())
    layers = []
    for e in doc["layers"]:
        x0, y0, x1, y1 = (float(b) for b in e["bounds_m"])
        layers.append(DisplayLayer(
            name=e["name"], file=e["file"], bounds_m=(x0, y0, x1, y1), title=e["title"],
            units=e["units"], legend=e["legend"], source=e["source"], resolution_m=float(e["resolution_m"]),
            licence=e["licence"], note=e["note"], path=out / "display" / e["file"]))
    return layers
