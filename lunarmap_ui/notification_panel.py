"""Safety-zone notification downloads (Artemis Accords, Section 11): one owner's zones as HTML and JSON.

The documents are built by :mod:`lunarmap.notification` when a button is
clicked, stamped with the current UTC time to the second.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import streamlit as st

from lunarmap.notification import notification, notification_html, notification_json, owners, zones_map_png
from lunarmap.zones import Zone, ZoneReport

from .zone_state import K_SCENARIO_NAME

__all__ = ["K_NOTIFY_OWNER", "notification_downloads", "file_stem", "now_utc"]

#: Session key of the owner whose zones are notified.
K_NOTIFY_OWNER = "notify_owner"


def file_stem(owner: str) -> str:
    """A file-name part from an owner: letters, digits, '-' and '_' only ("owner" if nothing is left)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", owner).strip("-") or "owner"


def now_utc() -> str:
    """The current time in UTC to the second, ISO 8601 with 'Z'."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def notification_downloads(zones: list[Zone], report: ZoneReport | None) -> None:
    """An owner choice and two downloads: the printable notification (HTML, with a map) and its JSON."""
    zones = list(zones)
    if not zones:
        return
    names = owners(zones)
    st.markdown("**Notify safety zones** (Artemis Accords, Section 11)")
    owner = st.selectbox("Owner whose zones to notify", names, key=K_NOTIFY_OWNER,
                         help="The notification lists this owner's zones (location, extent, period, purpose, "
                              "sizing rule) and every conflict with another party's zone.")
    if owner not in names:   # the zones changed since the choice: take the first owner
        owner = names[0]
    scenario = str(st.session_state.get(K_SCENARIO_NAME) or "").strip()
    stem = f"safety-zones-{file_stem(owner)}"

    def doc() -> dict:
        return notification(zones, report, owner, generated_utc=now_utc(), scenario_name=scenario)

    c1, c2 = st.columns(2)
    c1.download_button("Notification (HTML)", key="notify_html", file_name=f"{stem}.html", mime="text/html",
                       data=lambda: notification_html(doc(), zones_map_png(zones, owner, report)))
    c2.download_button("Notification (JSON)", key="notify_json", file_name=f"{stem}.json", mime="application/json",
                       data=lambda: notification_json(doc()))
    st.caption("HTML: a printable A4 page with a map. JSON: the same facts, machine-readable, with the zones as "
               "GeoJSON (lon/lat, IAU_2015:30100). Both are stamped with the time of the download (UTC).")
