"""Coordinates typed as text: "-89.5, 45", "89.5S 45E", "45E, 89.5S", "S89.5 E45", "-89.5 45".

The rules, in order (degrees, decimal; lon east positive on IAU_2015:30100):

1. Exactly two numbers, separated by a comma, a semicolon or spaces; a degree sign (°, º, "deg")
   after a number is optional. A decimal comma is refused (use a point).
2. A hemisphere letter (N, S, E, W, any case) before or after a number names its axis: N/S a
   latitude, E/W a longitude, S and W negative. Letters go all before or all after the numbers.
   A number with both a minus sign and a letter is refused (is "-45 S" north or south?).
3. When only one number has a letter, the other number is the other axis.
4. Without letters, a number beyond ±90 can only be the longitude.
5. Otherwise both orders are real places, and both readings are returned: the caller decides
   (:mod:`lunarmap.search` takes the only reading on the map, and asks when both are on it).

Ranges: latitude -90..90; longitude -180..180 with a sign or W, 0..360 with E (east longitudes
beyond 180 are taken modulo 360 to -180..180). The pole (latitude ±90) takes any longitude.

>>> [(r.lat_deg, r.lon_deg) for r in parse_coordinates("89.5S 45E")]
[(-89.5, 45.0)]
>>> [(r.lat_deg, r.lon_deg, r.order) for r in parse_coordinates("-89.5, 45")]
[(-89.5, 45.0, 'lat, lon'), (45.0, -89.5, 'lon, lat')]
>>> looks_like_coordinates("Chang'e 4"), looks_like_coordinates("-89.5 45")
(False, True)
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from .errors import CoordinateTextError

__all__ = ["Reading", "FORMS", "looks_like_coordinates", "parse_coordinates", "format_lat", "format_lon"]

logger = logging.getLogger(__name__)

#: The accepted forms, quoted in every error message.
FORMS = ('"-89.5, 45" (latitude, longitude), "89.5S 45E", "45E, 89.5S", "S89.5 E45" or "-89.5 45"; '
         "decimal degrees with a point, S and W (or a minus sign) for south and west")

_MINUS = "-\u2212\u2013"                 # hyphen-minus, minus sign, en dash
_DEGREE = re.compile(r"\s*(?:°|º|˚|deg(?:rees?)?)", re.IGNORECASE)
_MINUTES = "'\u2032\"\u2033"           # ' ′ " ″: minutes and seconds, refused with a word on decimal degrees
_ONLY = re.compile(rf"^[{_MINUS}\d\s.,;+NSEWnsew{_MINUTES}]+$")
_ATOM = re.compile(rf"(?P<num>[{_MINUS}+]?\s*(?:\d+(?:\.\d*)?|\.\d+))|(?P<hemi>[NSEWnsew])|(?P<sep>[,;])|(?P<bad>\S)")


@dataclass(frozen=True)
class Reading:
    """One reading of typed coordinates: degrees, and which order it assumed ("lat, lon", "lon, lat" or "letters")."""

    lat_deg: float
    lon_deg: float
    order: str

    def describe(self) -> str:
        """"89.5000° S, 45.0000° E" (4 decimals: about 30 m on the Moon)."""
        return f"{format_lat(self.lat_deg)}, {format_lon(self.lon_deg)}"


def format_lat(lat: float) -> str:
    """Latitude as "89.5000° S" (4 decimals, about 30 m)."""
    return f"{abs(lat):.4f}° {'S' if lat < 0 else 'N'}"


def format_lon(lon: float) -> str:
    """Longitude as "45.0000° E" or "180.0000° W" (4 decimals)."""
    return f"{abs(lon):.4f}° {'W' if lon < 0 else 'E'}"


def looks_like_coordinates(text: str) -> bool:
    """True when ``text`` holds a digit and nothing but numbers, signs, separators, degree signs and N/S/E/W."""
    plain = _DEGREE.sub(" ", str(text))
    return any(c.isdigit() for c in plain) and bool(_ONLY.match(plain))


def _fail(text: str, what: str) -> CoordinateTextError:
    return CoordinateTextError(f"{text!r}: {what}. Accepted forms: {FORMS}.")


def _numbers(text: str) -> list[tuple[float, str | None]]:
    """The numbers of ``text`` with the hemisphere letter each carries (None without one)."""
    atoms: list[tuple[str, str]] = []
    for m in _ATOM.finditer(_DEGREE.sub(" ", text)):
        kind = m.lastgroup or "bad"
        if kind == "bad" and m.group() in _MINUTES:
            raise _fail(text, "minutes and seconds are not read: give decimal degrees (89°30' is 89.5)")
        if kind == "bad":
            raise _fail(text, f"{m.group()!r} is not part of a coordinate")
        atoms.append((kind, m.group()))
    kinds = [k for k, _ in atoms if k != "sep"]
    if kinds and kinds[0] == "hemi":                       # prefix letters: "S89.5 E45"
        pairs = [(i, i + 1) for i, k in enumerate(atoms) if k[0] == "hemi"]
    else:                                                  # suffix letters: "89.5S 45E"
        pairs = [(i, i - 1) for i, k in enumerate(atoms) if k[0] == "hemi"]
    letters: dict[int, str] = {}
    for at, num in pairs:
        if not (0 <= num < len(atoms)) or atoms[num][0] != "num":
            raise _fail(text, f"the letter {atoms[at][1]!r} is not next to a number (write it right after "
                              "the number, or right before it, the same way for both)")
        letters[num] = atoms[at][1].upper()
    out = []
    for i, (kind, value) in enumerate(atoms):
        if kind == "num":
            number = float(value.replace(" ", "").translate({ord(c): "-" for c in _MINUS}))
            if i in letters and value.strip()[0] in "+" + _MINUS:
                raise _fail(text, f"{value.strip()} {letters[i]} has both a sign and a letter; use one of them")
            out.append((number, letters.get(i)))
    if len(out) != 2:
        hint = " (a decimal comma? use a point: 89.5, not 89,5)" if "," in text and len(out) > 2 else ""
        raise _fail(text, f"found {len(out)} number{'s' if len(out) != 1 else ''}, need two: a latitude and "
                          f"a longitude{hint}")
    return out


def _lat(value: float, text: str) -> float:
    if not -90.0 <= value <= 90.0:
        raise _fail(text, f"latitude {value:g} is outside -90..90")
    return value


def _lon(value: float, text: str, letter: str | None) -> float:
    if letter == "E":
        if not 0.0 <= value <= 360.0:
            raise _fail(text, f"longitude {value:g} E is outside 0..360 E")
        return value - 360.0 if value > 180.0 else value
    if not -180.0 <= value <= 180.0:
        raise _fail(text, f"longitude {value:g} is outside -180..180 (or 0..360 with E)")
    return value


def _signed(value: float, letter: str | None) -> float:
    return -value if letter in ("S", "W") else value


def parse_coordinates(text: str) -> list[Reading]:
    """Every reading of ``text`` under the module's rules: one, or two when the order is open (rule 5).

    Raises :class:`~lunarmap.errors.CoordinateTextError` saying what was wrong and the accepted forms.
    """
    (a, la), (b, lb) = _numbers(str(text).strip())
    axis = {"N": "lat", "S": "lat", "E": "lon", "W": "lon", None: None}
    if la is not None and lb is not None and axis[la] == axis[lb]:
        raise _fail(text, f"both numbers are {'latitudes' if axis[la] == 'lat' else 'longitudes'} ({la} and {lb})")
    if la is not None or lb is not None:                   # rules 2 and 3: the letters decide
        a_is_lat = axis[la] == "lat" if la is not None else axis[lb] == "lon"
        lat_v, lat_l, lon_v, lon_l = (a, la, b, lb) if a_is_lat else (b, lb, a, la)
        return [Reading(_lat(_signed(lat_v, lat_l), text), _lon(_signed(lon_v, lon_l), text, lon_l), "letters")]
    if abs(a) > 90.0 and abs(b) > 90.0:
        raise _fail(text, f"neither {a:g} nor {b:g} can be a latitude (-90..90)")
    if abs(a) > 90.0:                                      # rule 4
        return [Reading(_lat(b, text), _lon(a, text, None), "lon, lat")]
    if abs(b) > 90.0:
        return [Reading(_lat(a, text), _lon(b, text, None), "lat, lon")]
    return [Reading(a, b, "lat, lon"), Reading(b, a, "lon, lat")]   # rule 5: both are places
