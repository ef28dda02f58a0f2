"""A minimal Streamlit page with only the map component and its zone tools, for browser tests.

Run ``streamlit run tests/browser/draw_app.py``. Zones live in session state,
built from the map's ``draw`` / ``edit`` / ``delete`` triggers with
:mod:`lunarmap.zones`; the last trigger payload and the zone list are shown as
JSON text (``LAST {...}`` and ``ZONES [...]``) for the tests to read.
The deck.gl bundle is published into ``static/`` next to the script Streamlit
runs (``sys.argv[0]``), where Streamlit serves static files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from lunarmap import layers as L  # noqa: E402
from lunarmap.crs import lonlat_to_polar, polar_to_lonlat  # noqa: E402
from lunarmap.errors import LunarmapError  # noqa: E402
from lunarmap.geodesy import distance_m  # noqa: E402
from lunarmap.zones import Zone, circle_zone, polygon_zone  # noqa: E402
from lunarmap_ui.map_component import lunar_map, map_data, trigger_value  # noqa: E402
from lunarmap_ui.static_files import deckgl_bundle_path, publish  # noqa: E402

KEY = "draw_map"
ZONE_COLOR = [255, 140, 0]
OWNER = "Test <b>party</b>"  # markup that must show as text
VIEW = L.ViewTarget(0.0, 0.0, -9.0)  # 512 map metres per pixel around the pole

st.set_page_config(page_title="lunarmap zone tools", layout="wide")
st.session_state.setdefault("zones", [])
st.session_state.setdefault("last", None)
st.session_state.setdefault("error", "")


def _lonlat(p: Any) -> tuple[float, float]:
    lon, lat = polar_to_lonlat(float(p[0]), float(p[1]))
    return float(lon), float(lat)


def _circle(name: str, center: Any, radius_km: float, zone_id: str | None = None) -> Zone:
    lon, lat = _lonlat(center)
    meta = {"id": zone_id} if zone_id else {}
    return circle_zone(name, OWNER, lon, lat, radius_km, **meta)


def _radius_km(center: Any, edge: Any) -> float:
    return float(distance_m(*_lonlat(center), *_lonlat(edge))) / 1000.0


def _on(name: str) -> None:
    value = trigger_value(KEY, name)
    if not value:
        return
    st.session_state["last"] = {"trigger": name, "payload": value}
    st.session_state["error"] = ""
    zones: list[Zone] = list(st.session_state["zones"])
    try:
        if name == "draw":
            n = len(zones) + 1
            if value["kind"] == "circle":
                zones.append(_circle(f"Circle {n}", value["center"], _radius_km(value["center"], value["edge"])))
            else:
                zones.append(polygon_zone(f"Polygon {n}", OWNER, value["vertices"], crs="IAU_2015:30135"))
        elif name == "edit":
            i = next(i for i, z in enumerate(zones) if z.id == value["id"])
            z = zones[i]
            if value["kind"] == "circle":
                radius = z.radius_km if value.get("edge") is None else _radius_km(value["center"], value["edge"])
                zones[i] = _circle(z.name, value["center"], float(radius), z.id)
            else:
                zones[i] = polygon_zone(z.name, z.owner, value["vertices"], crs="IAU_2015:30135", id=z.id)
        elif name == "delete":
            zones = [z for z in zones if z.id != value["id"]]
    except (LunarmapError, StopIteration, KeyError) as error:
        st.session_state["error"] = str(error)
        return
    st.session_state["zones"] = zones


def _zone_data(z: Zone, others: list[Zone] = ()) -> dict[str, Any]:
    ring = [list(c) for c in z.geometry_polar.exterior.coords[:-1]]
    circle = z.shape == "circle" and z.centre_lonlat is not None
    center = [float(v) for v in lonlat_to_polar(*z.centre_lonlat)] if circle else None
    return {
        "id": z.id, "name": z.name, "owner": z.owner, "kind": "circle" if circle else "polygon",
        "lines": [f"owner: {z.owner}", f"area {z.area_km2:,.1f} km² (on the sphere)"], "ring": ring, "center": center,
        "radius_m": z.radius_km * 1000.0 if circle else None, "vertices": None if circle else ring,
        "color": ZONE_COLOR, "conflict": any(o.id != z.id and o.geometry_polar.intersects(z.geometry_polar) for o in others),
    }


@st.cache_data(show_spinner=False)
def _spec() -> dict[str, Any]:
    return L.deck_spec(L.graticule_layers(), VIEW)


def _zone_summary(z: Zone) -> dict[str, Any]:
    data = _zone_data(z)
    return {"id": z.id, "kind": data["kind"], "center": data["center"], "radius_km": z.radius_km,
            "vertices": data["vertices"], "area_km2": z.area_km2}


select_id = st.text_input("Select zone id", key="select_id")
if st.button("Clear zones"):
    st.session_state["zones"] = []
    st.session_state["last"] = None

static_dir = Path(sys.argv[0]).absolute().parent / "static"
data = map_data(_spec(), {**VIEW.as_dict(), "nonce": 0}, [], map_id="draw", height=640,
                deck_url=publish(deckgl_bundle_path(), stem="deckgl", static_dir=static_dir),
                tools={"draw": True, "region": True, "regionLabel": "Sunlit % of view"},
                zones=[_zone_data(z, st.session_state["zones"]) for z in st.session_state["zones"]],
                selected_zone=select_id or None)
lunar_map(data, key=KEY, on_click=lambda: _on("click"), on_draw=lambda: _on("draw"), on_edit=lambda: _on("edit"),
          on_delete=lambda: _on("delete"), on_region=lambda: _on("region"))
if st.session_state["error"]:
    st.error(st.session_state["error"])
st.code("LAST " + json.dumps(st.session_state["last"]), language=None)
st.code("ZONES " + json.dumps([_zone_summary(z) for z in st.session_state["zones"]]), language=None)
