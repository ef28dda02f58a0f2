"""``lunarmap tiles``: the full-resolution tile sources (``list``), and rendering their tiles ahead of use (``seed``).

``seed`` fills the tile cache the dashboard's server reads (``tiles/`` in the data folder), over a geodesic
circle round a site or a point, a catalogue region, or a product's whole footprint, for a range of levels.
"""

from __future__ import annotations

import argparse
import sys

from ..coordinate_text import format_lat, format_lon
from ..errors import DataMissingError, TileError
from ..geodesy import geodesic_circle
from ..sites import load_sites
from ..tile_seed import DEFAULT_MAX_TILES, parse_levels, seed_tiles
from ..tiles import STYLES, TileSource, tile_sources
from .measure import parse_lonlat
from .output import format_table

__all__ = ["DEFAULT_RADIUS_KM", "register", "run_list", "run_seed", "chosen_sources"]

#: Radius of the circle round --site (a point) or --at when --radius-km is not given.
DEFAULT_RADIUS_KM = 10.0


def _sources(args: argparse.Namespace) -> list[TileSource]:
    found, problems = tile_sources(args.data_dir)
    for err in problems:
        print(f"left out: {err}", file=sys.stderr)
    if not found:
        raise DataMissingError("no full-resolution product is configured, so there are no tiles; name a copy or "
                               "URL with LUNARMAP_PRODUCT_<NAME> (e.g. LUNARMAP_PRODUCT_LOLA_5M_87S=/data/"
                               "ldem_87s_5mpp_cog.tif) or products.toml in the data folder, download one with "
                               "'lunarmap fetch --only NAME', or read the catalogue's URLs in place with "
                               "LUNARMAP_REMOTE=on.")
    return found


def chosen_sources(found: list[TileSource], layers: list[str] | None) -> list[TileSource]:
    """The sources named by ``layers`` (a style, a product name or a source key; all when None)."""
    if not layers:
        return found
    out = [s for s in found if any(name in (s.style, s.product, s.key) for name in layers)]
    unknown = [name for name in layers if not any(name in (s.style, s.product, s.key) for s in found)]
    if unknown:
        raise TileError(f"no tile source matches {', '.join(map(repr, unknown))}; give a style "
                        f"({', '.join(STYLES)}), a product or a key that 'lunarmap tiles list' shows.")
    return out


def run_list(args: argparse.Namespace) -> int:
    """One row per tile source: key, what it shows, resolution and levels."""
    rows = [{"key": s.key, "style": s.style, "title": s.title, "resolution_m": s.resolution_m,
             "levels": f"{s.min_zoom}-{s.max_zoom}"} for s in _sources(args)]
    print(format_table(rows, ["key", "style", "title", "resolution_m", "levels"]))
    return 0


def _area(args: argparse.Namespace):
    """(polygon in map metres or None for each product's footprint, what it is in words)."""
    if args.site and args.at:
        raise TileError("give --site or --at, not both.")
    radius = DEFAULT_RADIUS_KM if args.radius_km is None else args.radius_km
    if args.at:
        lon, lat = parse_lonlat(args.at, "--at")
        return geodesic_circle(lon, lat, radius), f"{radius:g} km round {format_lat(lat)}, {format_lon(lon)}"
    if args.site:
        site = load_sites(args.sites).get(args.site)
        if site.is_region and args.radius_km is None:
            return site.geometry_polar, f"the region {site.id}"
        lon, lat = site.lonlat
        return geodesic_circle(lon, lat, radius), f"{radius:g} km round {site.id}"
    return None, "each product's whole footprint"


def _progress(key: str):
    if not sys.stderr.isatty():
        return None

    def report(z: int, done: int, total: int) -> None:
        sys.stderr.write(f"\r{key[:40]:<40} level {z:>2}: {done:>7,} / {total:,} tiles")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return report


def run_seed(args: argparse.Namespace) -> int:
    """Seed each chosen source; one line per level, then the totals."""
    levels = parse_levels(args.levels)
    area, where = _area(args)
    sources = chosen_sources(_sources(args), args.layer)
    print(f"seeding levels {levels[0]}-{levels[-1]} over {where}")
    for source in sources:
        report = seed_tiles(source, levels, area, args.data_dir, workers=args.workers, max_tiles=args.max_tiles,
                            progress=_progress(source.key))
        print(f"{source.key}  {source.title}")
        if not report.levels:
            print(f"  no level in {levels[0]}-{levels[-1]} is shown for this product (its levels: "
                  f"{source.min_zoom}-{source.max_zoom})")
            continue
        if report.tiles == 0:
            x0, y0, x1, y1 = source.bounds_m
            print(f"  the area is outside this product, which covers x {x0 / 1e3:,.1f} to {x1 / 1e3:,.1f} km, "
                  f"y {y0 / 1e3:,.1f} to {y1 / 1e3:,.1f} km (IAU_2015:30135): nothing to render")
            continue
        for lv in report.levels:
            print(f"  level {lv.z:>2} ({lv.m_per_px:g} m/px): {lv.tiles:>6,} tiles, {lv.rendered:,} rendered "
                  f"({lv.empty:,} without data), {lv.cached:,} already cached, {lv.seconds:.1f} s")
        print(f"  {report.tiles:,} tiles in {report.seconds:.1f} s, cache {report.cache_dir / source.key}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``tiles list`` and ``tiles seed``."""
    p = subparsers.add_parser("tiles", help="the full-resolution map tiles: list their sources, render them ahead")
    sub = p.add_subparsers(dest="tiles_command", required=True, metavar="list|seed")
    ls = sub.add_parser("list", help="the tile sources (full-resolution products as the map shows them)")
    ls.add_argument("--data-dir", default=None, help="data folder (default: $LUNARMAP_DATA_DIR or data/rasters)")
    ls.set_defaults(func=run_list)
    s = sub.add_parser(
        "seed", help="render tiles into the cache the dashboard serves from",
        description="Render the tiles of a range of levels over an area into the tile cache, so the map shows "
                    "them at once. Tiles already cached are kept. Level 12 is 4 m a pixel, 14 is 1 m.")
    s.add_argument("--levels", required=True, metavar="Z|Z0-Z1", help="a level or an inclusive range, e.g. 8-12")
    s.add_argument("--layer", action="append", metavar="STYLE|PRODUCT|KEY",
                   help="only this source (repeatable; default: every source)")
    s.add_argument("--site", default=None, help="a catalogue site or region id (a region: its outline)")
    s.add_argument("--at", default=None, metavar="LON,LAT",
                   help="a point in degrees, south negative (write --at=-170,-85 when it starts with '-')")
    s.add_argument("--radius-km", type=float, default=None,
                   help=f"geodesic radius round --site or --at in km (default {DEFAULT_RADIUS_KM:g}; a region uses its "
                        "outline unless this is given)")
    s.add_argument("--workers", type=int, default=2, help="tiles rendered at once (default 2)")
    s.add_argument("--max-tiles", type=int, default=DEFAULT_MAX_TILES,
                   help=f"refuse to start above this many tiles a source (default {DEFAULT_MAX_TILES:,})")
    s.add_argument("--data-dir", default=None, help="data folder (default: $LUNARMAP_DATA_DIR or data/rasters)")
    s.set_defaults(func=run_seed)
