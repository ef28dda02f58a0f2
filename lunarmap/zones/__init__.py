"""Keep-out zones: the model, GeoJSON I/O, conflict analysis and the map's payloads, one module each.

* :mod:`.model`: :class:`Zone`, how zones are made (:func:`circle_zone`,
  :func:`polygon_zone`) and checked, the one owner comparison
  (:func:`owner_key`) and the one radius check (:func:`check_zone_radius_km`,
  :data:`MAX_RADIUS_KM`), the built-in sizing rules.
* :mod:`.edit`: zones changed after they are made (attributes, outline, moved
  on the sphere) and found by a map point.
* :mod:`.io`: GeoJSON written and read (the GeoPackage form is the scenario
  store's, :mod:`lunarmap.scenarios`).
* :mod:`.conflicts`: overlapping pairs, conflicts and their reasons, per-zone
  summaries, the union area.
* :mod:`.payload`: zones from the map component's draw and edit payloads, and
  the repaired shape offered for a polygon that crosses itself.

Their public names are all importable from here (``from lunarmap.zones import
circle_zone``). Imports run one way: model <- edit <- payload, model <- io,
model <- conflicts. The map layers of zones are in :mod:`lunarmap.zone_layers`.
"""

from __future__ import annotations

from ..errors import ZoneError, ZoneRadiusError
from .conflicts import (
    MAX_ZONE_PAIRS,
    PsrFunction,
    ZonePair,
    ZoneReport,
    ZoneSummary,
    analyse_zones,
    pair_reason,
    union_area_km2,
)
from .edit import moved_zone, point_in_zones, with_attributes, with_fresh_ids, with_geometry
from .io import (
    EDGES_MEMBER,
    EDGES_POLAR,
    MAX_IMPORT_BYTES,
    circle_attributes,
    ring_to_lonlat,
    zones_from_geojson,
    zones_to_geojson,
)
from .model import (
    MAX_RADIUS_KM,
    MAX_RULE_CHARS,
    MAX_TEXT_CHARS,
    MAX_ZONE_KM2,
    MIN_RADIUS_KM,
    SIZING_RULES,
    SelfIntersectionError,
    SizingRule,
    Zone,
    check_text,
    check_zone_radius_km,
    circle_zone,
    owner_key,
    polygon_zone,
    repaired_parts,
)
from .payload import radius_between_km, repair_summary, repaired_zones, zone_after_edit, zone_from_drawing

__all__ = [
    # model
    "MAX_RADIUS_KM",
    "MIN_RADIUS_KM",
    "MAX_ZONE_KM2",
    "MAX_TEXT_CHARS",
    "MAX_RULE_CHARS",
    "SIZING_RULES",
    "SizingRule",
    "Zone",
    "ZoneError",
    "ZoneRadiusError",
    "SelfIntersectionError",
    "owner_key",
    "check_zone_radius_km",
    "check_text",
    "circle_zone",
    "polygon_zone",
    "repaired_parts",
    # edit
    "with_attributes",
    "with_geometry",
    "point_in_zones",
    "moved_zone",
    "with_fresh_ids",
    # io
    "MAX_IMPORT_BYTES",
    "EDGES_MEMBER",
    "EDGES_POLAR",
    "ring_to_lonlat",
    "circle_attributes",
    "zones_to_geojson",
    "zones_from_geojson",
    # conflicts
    "MAX_ZONE_PAIRS",
    "PsrFunction",
    "ZonePair",
    "ZoneSummary",
    "ZoneReport",
    "analyse_zones",
    "pair_reason",
    "union_area_km2",
    # payload
    "zone_from_drawing",
    "zone_after_edit",
    "radius_between_km",
    "repaired_zones",
    "repair_summary",
]
