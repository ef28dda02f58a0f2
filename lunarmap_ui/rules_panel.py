"""The sizing rules in the page: the built-ins and the planner's own, add one, change one (and resize its zones).

Rules themselves (checks, resizing) are :mod:`lunarmap.sizing_rules`; the
planner's own live in this session's state (:func:`.zone_state.own_rules`) and
are saved with the scenario.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lunarmap.errors import LunarmapError
from lunarmap.sizing_rules import all_rules, make_rule, resize_by_rule
from lunarmap.zones import MAX_RADIUS_KM, MIN_RADIUS_KM

from .zone_state import current_zones, notice_error, own_rules, set_zones

__all__ = ["rules_part"]


def _add_rule() -> None:
    ss = st.session_state
    try:
        rule = make_rule(ss.get("zr_label", ""), ss.get("zr_radius"), ss.get("zr_formula", ""), ss.get("zr_source", ""),
                         ss.get("zr_link", ""))
    except LunarmapError as err:
        notice_error(err, "The sizing rule was not added")
        return
    set_zones(current_zones(), f"Added the sizing rule {rule.label!r} ({rule.radius_km:g} km): choose it for a "
                               "circle under 'Add a zone exactly'.", rules=own_rules() + (rule,))


def _change_rule() -> None:
    ss = st.session_state
    own = own_rules()
    old = next((r for r in own if r.key == ss.get("zr_change_key")), None)
    if old is None:
        return
    try:
        rule = make_rule(old.label, ss.get("zr_change_radius"), old.formula, old.source, old.link, key=old.key)
        zones, n = resize_by_rule(current_zones(), rule)
    except LunarmapError as err:
        notice_error(err, "The sizing rule was not changed")
        return
    set_zones(zones, f"The rule {rule.label!r} is now {rule.radius_km:g} km: {n} zone(s) sized by it were resized "
                     "round the same centres (Undo brings the old radius back).",
              rules=tuple(rule if r.key == rule.key else r for r in own))


def rules_part() -> None:
    """The sizing rules: the built-ins and the planner's own, how many zones each sizes, add one, change one."""
    with st.expander("Sizing rules", expanded=False, key="zone_rules_expander", on_change="rerun"):
        zones = current_zones()
        rows = [{"Rule": r.label, "Radius (km)": r.radius_km, "Formula": r.formula, "Source": r.source,
                 "Link": r.link, "Kind": "built-in" if r.builtin else "own",
                 "Zones sized by it": sum(z.rule_key == key for z in zones)}
                for key, r in all_rules(own_rules()).items()]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="zone_rules_table")
        st.caption("A rule names how a circle is sized and why, with its source. Circles added with a rule follow "
                   "it: change one of your rules and every zone sized by it is resized. Rules are saved with the "
                   "scenario and written into its GeoJSON and GeoPackage.")
        with st.form("zone_rule_form", border=False):
            c1, c2 = st.columns([3, 1])
            c1.text_input("Rule name", key="zr_label", placeholder="e.g. Rover traverse buffer")
            c2.number_input("Radius (km)", min_value=MIN_RADIUS_KM, max_value=MAX_RADIUS_KM, value=1.0, format="%.3f", key="zr_radius")
            st.text_input("Formula or reasoning", key="zr_formula", placeholder="e.g. r = 500 m either side of the track")
            st.text_input("Source (required: where the radius comes from)", key="zr_source")
            st.text_input("Link to the source (http or https, optional)", key="zr_link")
            st.form_submit_button("Add the rule", on_click=_add_rule)
        own = own_rules()
        if own:
            labels = {r.key: f"{r.label} ({r.radius_km:g} km)" for r in own}
            with st.form("zone_rule_change_form", border=False):
                c1, c2 = st.columns([3, 1])
                c1.selectbox("Change one of your rules", list(labels), format_func=labels.get, key="zr_change_key")
                c2.number_input("New radius (km)", min_value=MIN_RADIUS_KM, max_value=MAX_RADIUS_KM, value=1.0, format="%.3f",
                                key="zr_change_radius")
                st.form_submit_button("Change it and resize its zones", on_click=_change_rule)
