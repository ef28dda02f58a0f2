"""The one hierarchy of lunarmap errors.

Every error the library raises on purpose is a :class:`LunarmapError`; each
subclass also inherits the matching builtin so callers can catch either.
Messages say what was wrong, the value given, what is allowed and what to do.
"""

from __future__ import annotations

__all__ = [
    "LunarmapError",
    "CRSError",
    "SiteCatalogError",
    "UnknownSiteError",
    "GeometryError",
    "InvalidRadiusError",
    "ZoneRadiusError",
    "OutsideRasterError",
    "DataMissingError",
    "ChecksumError",
    "FetchError",
    "SourceMissing",
    "SourceUnreachable",
    "RemoteProductError",
    "RasterError",
    "ZoneError",
    "ScenarioError",
    "ExportError",
    "CatalogError",
    "UnknownProductError",
    "EphemerisError",
    "TimeWindowError",
    "HorizonError",
    "UnknownFeatureError",
    "CoordinateTextError",
    "ComputeError",
    "TileError",
]


class LunarmapError(Exception):
    """Base class of every error lunarmap raises on purpose."""


class CRSError(LunarmapError, ValueError):
    """A coordinate reference system is missing, not lunar, or not the one expected."""


class SiteCatalogError(LunarmapError, ValueError):
    """The site catalogue (data/sites.geojson or a file like it) is malformed."""


class UnknownSiteError(LunarmapError, LookupError):
    """A site id that is not in the catalogue."""


class GeometryError(LunarmapError, ValueError):
    """A geometry is empty, invalid, or outside the Moon's coordinate ranges."""


class InvalidRadiusError(LunarmapError, ValueError):
    """A radius that is not a positive, finite number within the allowed range."""


class OutsideRasterError(LunarmapError, ValueError):
    """A point or window asked of a raster lies outside its coverage."""


class DataMissingError(LunarmapError, FileNotFoundError):
    """A data file the operation needs has not been fetched or prepared."""


class ChecksumError(LunarmapError, ValueError):
    """A file's size or SHA-256 does not match the catalogue."""


class FetchError(LunarmapError, OSError):
    """A product could not be fetched (network, mirror or disk)."""


class SourceMissing(FetchError, FileNotFoundError):
    """A download source that does not hold the product (HTTP 404): the caller may try the next one."""


class SourceUnreachable(FetchError, ConnectionError):
    """A download source that could not be reached (no connection, HTTP error): the caller may try the next one."""


class RemoteProductError(FetchError):
    """A full-resolution product read in place (or pointed at by the user) cannot be used: unreachable, not found,
    served without Range requests, changed upstream, or cut off mid-read. Analysis falls back to the default data."""


class RasterError(LunarmapError, ValueError):
    """A raster cannot be used as it is (no CRS, wrong CRS, unreadable)."""


class ZoneError(LunarmapError, ValueError):
    """A keep-out zone is malformed."""


class ZoneRadiusError(ZoneError, InvalidRadiusError):
    """A zone or sizing-rule radius outside 0.01..500 km: both a zone error and a radius error."""


class ScenarioError(LunarmapError, ValueError):
    """A saved scenario cannot be read, written or found."""


class ExportError(LunarmapError, OSError):
    """An export cannot be written where asked."""


class CatalogError(LunarmapError, ValueError):
    """The data catalogue (data/sources.toml or a file like it) is malformed."""


class UnknownProductError(LunarmapError, LookupError):
    """A product name that is not in the data catalogue."""


class EphemerisError(LunarmapError, ValueError):
    """Times outside the ephemeris coverage, or the ephemeris kernels cannot be loaded."""


class TimeWindowError(LunarmapError, ValueError):
    """A time window or time step that is malformed (bad date, end before start, step too small or too large)."""


class HorizonError(LunarmapError, ValueError):
    """Bad input to a terrain horizon computation (mast height, azimuth step, distances, elevation sampler)."""


class UnknownFeatureError(LunarmapError, LookupError):
    """A place name that is neither a catalogue site nor an IAU feature in the gazetteer."""


class CoordinateTextError(GeometryError):
    """Coordinates typed as text that cannot be read (count of numbers, letters, ranges)."""


class ComputeError(LunarmapError, ConnectionError):
    """The compute cluster named by the user (LUNARMAP_DASK_SCHEDULER) cannot be reached."""


class TileError(LunarmapError, ValueError):
    """A map tile that does not exist: a level, column or row outside the tile matrix set, or outside a product."""
