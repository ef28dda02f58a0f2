"""``lunarmap terrain``: slope and hillshade of a DEM of any size, block by block, as COGs with overviews."""

from __future__ import annotations

import argparse

from ..errors import RasterError
from ..terrain_blocks import BlockProgress, terrain_blockwise

__all__ = ["register", "run"]


def run(args: argparse.Namespace) -> int:
    """Write the asked outputs, one progress line per block (with the time left)."""
    if not args.slope and not args.hillshade:
        raise RasterError("nothing to write: give --slope OUT.tif, --hillshade OUT.tif or both.")

    def show(p: BlockProgress) -> None:
        print(f"  {p}", flush=True)

    terrain_blockwise(args.dem, args.slope, args.hillshade, block_px=args.block_px, progress=show,
                      azimuth_deg=args.azimuth, altitude_deg=args.altitude, z_factor=args.z_factor,
                      tags={"SOURCE": str(args.dem), "METHOD": "Horn (1981); gradients x k; block by block"})
    for label, path in (("slope (deg)", args.slope), ("hillshade (0-1)", args.hillshade)):
        if path:
            print(f"{label}: {path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``terrain`` command."""
    p = subparsers.add_parser("terrain", help="slope and hillshade of a DEM of any size (IAU_2015:30135 metres), "
                                              "block by block, as COGs with overviews")
    p.add_argument("dem", help="the DEM (GeoTIFF in IAU_2015:30135 metres; scale, offset and nodata are applied)")
    p.add_argument("--slope", default=None, help="write the slope in degrees (true on the sphere) to this file")
    p.add_argument("--hillshade", default=None, help="write the hillshade (0-1) to this file")
    p.add_argument("--block-px", type=int, default=2048, help="block size in pixels (default 2048: ~200 MB in memory)")
    p.add_argument("--azimuth", type=float, default=315.0, help="light azimuth, degrees clockwise from map up (315)")
    p.add_argument("--altitude", type=float, default=45.0, help="light altitude above the horizon, degrees (45)")
    p.add_argument("--z-factor", type=float, default=1.0, help="vertical exaggeration of the hillshade (1 = true)")
    p.set_defaults(func=run)
