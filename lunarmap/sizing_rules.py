"""Sizing rules as named, cited records: the built-ins and a planner's own, and the zones they size.

A rule says how large a circle zone is and why: a label, the radius, the
formula or reasoning, the published source and a link. The built-ins
(:data:`lunarmap.zones.SIZING_RULES`, NASA 2011) cannot change; a planner's own
rule (:func:`make_rule`) must cite its source. A circle zone sized by a rule
keeps the rule's key (``Zone.rule_key``); when the rule changes,
:func:`resize_by_rule` rebuilds every such zone at the new radius round the
same centre. Rules travel with a scenario (the store, GeoJSON's
``sizing_rules`` member, the notification document).

>>> rule = make_rule("Rover traverse buffer", 0.5, "r = 500 m either side of the planned track",
...                  "Mission plan v2, section 4", "https://example.org/plan")
>>> rule.builtin, rule.radius_km
(False, 0.5)
>>> rule_text(rule)
'Rover traverse buffer: 0.5 km. r = 500 m either side of the planned track. Source: Mission plan v2, section 4 (https://example.org/plan)'
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .errors import ZoneError
from .zones import SIZING_RULES, SizingRule, Zone, check_text, check_zone_radius_km, circle_zone

__all__ = ["make_rule", "rule_text", "all_rules", "merged_rules", "rules_to_records", "rules_from_records", "rules_from_geojson",
           "resize_by_rule"]

_LINK = re.compile(r"^https?://[^\s<>\"']+$")


def make_rule(label: object, radius_km: Any, formula: object, source: object, link: object = "",
              key: str | None = None) -> SizingRule:
    """A planner's own rule, checked: a label, a radius (10 m to 500 km), the formula, a source, an http(s) link.

    No rule without a source: a radius nobody can trace is not a rule other parties can weigh.
    """
    what = f"sizing rule {str(label).strip()[:60]!r}"
    label = check_text(label, "name", what, required=True)
    formula = check_text(formula, "formula", what, required=True, max_chars=500)
    source = check_text(source, "source", what, required=True, max_chars=500)
    link = check_text(link, "link", what, max_chars=500)
    if link and not _LINK.match(link):
        raise ZoneError(f"{what}: link {link!r} is not an http(s) address; give the address of the source, or none.")
    r = check_zone_radius_km(radius_km, what)
    if key is None:
        slug = re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-")[:40] or "rule"
        key = f"own-{slug}-{uuid.uuid4().hex[:6]}"
    key = check_text(key, "key", what, required=True, max_chars=80)
    if key in SIZING_RULES:
        raise ZoneError(f"{what}: key {key!r} is a built-in rule's; built-in rules cannot be redefined.")
    return SizingRule(key, label, r, formula, source, link, builtin=False)


def rule_text(rule: SizingRule, radius_km: float | None = None) -> str:
    """The rule as the zone's rule text: label, radius, formula, source and link (and a radius set by hand)."""
    label = rule.label if rule.builtin else f"{rule.label}: {rule.radius_km:g} km"
    text = f"{label}. {rule.formula}. Source: {rule.source}" + (f" ({rule.link})" if rule.link else "")
    if radius_km is not None and abs(radius_km - rule.radius_km) > 1e-9:
        text += f" (radius set by hand to {radius_km:g} km)"
    return text


def all_rules(own: Iterable[SizingRule] = ()) -> dict[str, SizingRule]:
    """The built-in rules, then the planner's own, by key."""
    return {**SIZING_RULES, **{r.key: r for r in own}}


def merged_rules(own: Iterable[SizingRule], new: Iterable[SizingRule]) -> tuple[SizingRule, ...]:
    """The planner's own rules, then those of ``new`` whose key is not among them yet (an import's rules)."""
    own = tuple(own)
    known = {r.key for r in own}
    return own + tuple(r for r in new if r.key not in known)


def rules_to_records(rules: Iterable[SizingRule]) -> list[dict[str, Any]]:
    """The planner's own rules as plain records (built-ins are left out: every lunarmap knows them)."""
    return [{"key": r.key, "label": r.label, "radius_km": r.radius_km, "formula": r.formula, "source": r.source,
             "link": r.link} for r in rules if not r.builtin]


def rules_from_records(records: Any, where: str = "the scenario") -> tuple[SizingRule, ...]:
    """Rules from records (as :func:`rules_to_records` writes them), each checked as :func:`make_rule` checks."""
    if records in (None, ""):
        return ()
    if isinstance(records, str):
        try:
            records = json.loads(records)
        except ValueError as err:
            raise ZoneError(f"{where}: the sizing rules are not readable JSON ({err}).") from None
    if not isinstance(records, list):
        raise ZoneError(f"{where}: 'sizing_rules' must be a list of rules (got {type(records).__name__}).")
    out = []
    for i, rec in enumerate(records):
        if not isinstance(rec, Mapping):
            raise ZoneError(f"{where}: sizing rule #{i + 1} is not an object; give key, label, radius_km, formula, "
                            "source and link.")
        try:
            out.append(make_rule(rec.get("label"), rec.get("radius_km"), rec.get("formula"), rec.get("source"),
                                 rec.get("link") or "", key=rec.get("key")))
        except ZoneError as err:
            raise ZoneError(f"{where}: {err}") from None
    return tuple(out)


def rules_from_geojson(doc: Any) -> tuple[SizingRule, ...]:
    """The ``sizing_rules`` member of a lunarmap GeoJSON document (bytes, text or parsed), () when absent."""
    if isinstance(doc, (bytes, str)):
        try:
            doc = json.loads(doc)
        except ValueError:
            return ()
    if not isinstance(doc, Mapping):
        return ()
    return rules_from_records(doc.get("sizing_rules"), "the file")


def resize_by_rule(zones: Sequence[Zone], rule: SizingRule) -> tuple[list[Zone], int]:
    """The zones with every circle that follows ``rule`` rebuilt at its radius round the same centre; and how many.

    The rest stay as they are (the same objects). A zone keeps its id, name, owner, purpose and period.
    """
    out, changed = [], 0
    for z in zones:
        if z.rule_key != rule.key or z.shape != "circle" or z.centre_lonlat is None:
            out.append(z)
            continue
        lon, lat = z.centre_lonlat
        out.append(circle_zone(z.name, z.owner, lon, lat, rule.radius_km, id=z.id, purpose=z.purpose,
                               start=z.start, end=z.end, rule=rule_text(rule), rule_key=rule.key))
        changed += 1
    return out, changed


def with_rule(zone: Zone, rule: SizingRule) -> Zone:
    """A circle zone sized by ``rule`` from now on (its rule text and key; the radius is set by resizing)."""
    return replace(zone, rule=rule_text(rule, zone.radius_km), rule_key=rule.key)
