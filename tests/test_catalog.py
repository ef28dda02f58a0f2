"""The data catalogue: data/sources.toml agrees with the mirror's manifest; bad catalogues fail clearly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lunarmap.catalog import DEFAULT_CATALOG_PATH, PRODUCT_KEYS, Catalog, Product, load_catalog, required_products
from lunarmap.errors import CatalogError, LunarmapError, UnknownProductError

from .conftest import SHARED_DATA

MANIFEST = SHARED_DATA / "MANIFEST.json"
OFFICIAL_PGDA = ("LPSR_85S_060M_201608.TIF", "AVGVISIB_85S_060M_201608.TIF", "AVGVISIB_85S_060M_201608_EARTH.TIF")
needs_manifest = pytest.mark.skipif(not MANIFEST.exists(), reason="the shared lunar-data mirror is not beside the project")


def _manifest() -> dict[str, dict]:
    return {entry["file"]: entry for entry in json.loads(MANIFEST.read_text())["files"]}


def test_load_catalog__reads_the_committed_catalogue():
    catalog = load_catalog()
    assert isinstance(catalog, Catalog)
    assert catalog.path == DEFAULT_CATALOG_PATH
    assert len(set(catalog.names)) == len(catalog) == len(list(catalog))
    for product in catalog:
        assert isinstance(product, Product)
        assert product.description and product.licence and product.citation


@needs_manifest
def test_catalogue__lists_every_manifest_file_with_its_size_checksum_and_role():
    catalog = load_catalog()
    by_file = {p.file: p for p in catalog}
    manifest = _manifest()
    for file, entry in manifest.items():
        product = by_file[file]
        assert product.bytes == entry["bytes"], file
        assert product.sha256 == entry["sha256"], file
        assert product.role == entry["role"], file
        assert product.required is (entry["role"] != "provenance"), file
        if entry["url"].startswith("https://"):
            assert product.urls == (entry["url"],), file
    assert {p.file for p in catalog if p.required} <= set(manifest)


@needs_manifest
def test_catalogue__required_products_are_the_manifest_minus_the_provenance_jpeg():
    manifest = _manifest()
    expected = {f for f, e in manifest.items() if e["role"] != "provenance"}
    assert {p.file for p in required_products()} == expected
    assert {p.file for p in load_catalog().required_products()} == expected


@needs_manifest
def test_catalogue__reconstructed_psr_has_no_url_and_says_it_is_mirror_only():
    product = load_catalog().get("lpsr-85s-60m-reconstructed")
    assert product.urls == ()
    assert "reconstructed" in _manifest()[product.file]["url"]
    assert product.note and "mirror" in product.note and "no upstream URL" in product.note


@needs_manifest
def test_catalogue__official_pgda_products_are_optional_with_pgda_urls():
    catalog = load_catalog()
    official = {p.file: p for p in catalog if p.file in OFFICIAL_PGDA}
    assert set(official) == set(OFFICIAL_PGDA)
    for product in official.values():
        assert not product.required
        assert product.sha256 is None  # PGDA publishes none: not invented
        assert product.urls == (f"https://pgda.gsfc.nasa.gov/data/MoonIllumination/{product.file}",)
        assert product.page == "https://pgda.gsfc.nasa.gov/products/69"
    # The manifest quotes the official PSR GeoTIFF's size in its upstream text.
    quoted = re.search(r"LPSR_85S_060M_201608\.TIF, (\d+) bytes", _manifest()["LPSR_85S_060M_201608_reconstructed.tif"]["upstream"])
    assert official["LPSR_85S_060M_201608.TIF"].bytes == int(quoted.group(1))


def test_catalogue__pinned_github_urls_name_a_commit():
    for product in load_catalog():
        for url in product.urls:
            assert url.startswith("https://")
            if "githubusercontent" in url:
                assert re.search(r"/[0-9a-f]{40}/", url), url


def test_catalogue__descriptions_state_a_resolution_or_say_there_is_none():
    for product in load_catalog():
        text = product.description
        assert re.search(r"\d+(\.\d+)? ?(m|km|deg)(/px| per pixel|\b)", text) or "no resolution" in text, product.name


def test_product__path_in_keeps_the_relative_folder(tmp_path):
    product = load_catalog().get("psr-catalog-csv")
    assert product.path_in(tmp_path) == tmp_path / "psr_catalog" / "LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.csv"
    assert product.basename == "LOLA_PSR_75S_120M_82S_060M_1KM2_FINAL.csv"


def test_catalog_get__unknown_name_lists_the_known_names():
    catalog = load_catalog()
    with pytest.raises(UnknownProductError, match=r"unknown product 'lola-dem'; known products: lola-global-dem, moon-global-mosaic"):
        catalog.get("lola-dem")
    assert "lola-global-dem" in catalog and "lola-dem" not in catalog


# --- bad catalogues -------------------------------------------------------------------------

_GOOD = """\
[[product]]
name = "a"
role = "r"
file = "sub/a.bin"
urls = ["https://example.org/a.bin"]
bytes = 10
sha256 = "{sha}"
licence = "public domain"
citation = "somebody"
description = "ten bytes, 1 m/px"
required = true
""".replace("{sha}", "0" * 64)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text)
    return path


def test_load_catalog__minimal_good_catalogue(tmp_path):
    catalog = load_catalog(_write(tmp_path, _GOOD))
    (product,) = catalog.products
    assert product == Product(name="a", role="r", file="sub/a.bin", urls=("https://example.org/a.bin",), bytes=10,
                              sha256="0" * 64, licence="public domain", citation="somebody",
                              description="ten bytes, 1 m/px", required=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[product]\nname=", r"is not valid TOML"),
        ("schema = 2\n" + _GOOD, r"has schema 2; this lunarmap reads schema 1 only"),
        ("products = []\n", r"unknown top-level keys \['products'\]"),
        ("schema = 1\n", r"lists no products; it needs one or more \[\[product\]\] tables"),
        (_GOOD.replace('role = "r"\n', ""), r"product 'a' lacks 'role'; every product needs name, role, file"),
        (_GOOD + 'colour = "red"\n', r"product 'a' has unknown keys \['colour'\]; allowed keys: name, role"),
        (_GOOD.replace('name = "a"', 'name = "A b"'), r"name 'A b' must be lower-case letters, digits and '-'"),
        (_GOOD.replace('role = "r"', 'role = ""'), r"product 'a': 'role' must be a non-empty string \(got ''\)"),
        (_GOOD.replace("required = true", 'required = "yes"'), r"'required' must be true or false \(got 'yes'\)"),
        (_GOOD.replace('"sub/a.bin"', '"../a.bin"'), r"file '../a.bin' must be a relative path inside the data folder"),
        (_GOOD.replace('"sub/a.bin"', '"/etc/a.bin"'), r"file '/etc/a.bin' must be a relative path"),
        (_GOOD.replace('["https://example.org/a.bin"]', '"https://example.org/a.bin"'), r"'urls' must be a list of URLs"),
        (_GOOD.replace("https://example.org/a.bin", "ftp://example.org/a.bin"), r"URL 'ftp://example.org/a.bin' must start with https:// or http://"),
        (_GOOD.replace("bytes = 10", "bytes = -3"), r"'bytes' must be a positive whole number of bytes \(got -3\)"),
        (_GOOD.replace("0" * 64, "ABC"), r"'sha256' must be 64 lower-case hex digits \(got 'ABC'\)"),
        (_GOOD.replace(f'sha256 = "{"0" * 64}"\n', ""), r"is required but does not pin sha256; a required product must give both"),
        (_GOOD.replace("bytes = 10\n", ""), r"is required but does not pin bytes"),
        (_GOOD.replace('["https://example.org/a.bin"]', "[]"), r"has no URLs; a mirror-only product must say why in 'note'"),
        (_GOOD + "\n" + _GOOD.replace("sub/a.bin", "b.bin"), r"name 'a' appears more than once"),
        (_GOOD + "\n" + _GOOD.replace('name = "a"', 'name = "b"'), r"file 'sub/a.bin' appears more than once"),
    ],
)
def test_load_catalog__bad_catalogue_says_what_is_wrong(tmp_path, text, message):
    with pytest.raises(CatalogError, match=message):
        load_catalog(_write(tmp_path, text))


def test_load_catalog__missing_file(tmp_path):
    with pytest.raises(CatalogError, match=r"data catalogue '.*nope.toml' does not exist; check the path"):
        load_catalog(tmp_path / "nope.toml")


def test_catalog_errors_are_lunarmap_errors():
    assert issubclass(CatalogError, LunarmapError) and issubclass(CatalogError, ValueError)
    assert issubclass(UnknownProductError, LunarmapError) and issubclass(UnknownProductError, LookupError)


def test_optional_product_may_leave_size_and_checksum_unset(tmp_path):
    text = _GOOD.replace("required = true", "required = false").replace("bytes = 10\n", "").replace(f'sha256 = "{"0" * 64}"\n', "")
    product = load_catalog(_write(tmp_path, text)).get("a")
    assert product.bytes is None and product.sha256 is None and not product.required


# --- products inside a Python package wheel; a file's CRS and an image's bounds -------------------

_WHEEL = """\
package = "some-package"
package_version = "1.2.3"
wheel = "some_package-1.2.3-py3-none-any.whl"
wheel_bytes = 1000
wheel_sha256 = "{sha}"
member = "some_package/data/a.bin"
""".replace("{sha}", "1" * 64)
_GOOD_WHEEL = _GOOD.replace('["https://example.org/a.bin"]', "[]") + _WHEEL


def test_load_catalog__wheel_member_product_needs_no_url(tmp_path):
    from lunarmap.catalog import WheelMember

    product = load_catalog(_write(tmp_path, _GOOD_WHEEL)).get("a")
    assert product.urls == ()
    assert product.wheel == WheelMember(package="some-package", version="1.2.3", wheel="some_package-1.2.3-py3-none-any.whl",
                                        wheel_sha256="1" * 64, member="some_package/data/a.bin", wheel_bytes=1000)
    assert product.wheel.requirement == "some-package==1.2.3"


def test_catalogue__the_two_lunar_toolkit_products_share_one_pinned_wheel():
    catalog = load_catalog()
    wheels = {catalog.get(n).wheel for n in ("ldem256-south-polar-1600m", "wac-south-polar-400m")}
    assert {(w.requirement, w.wheel, w.wheel_sha256) for w in wheels} == {
        ("lunar-toolkit==0.1.0", "lunar_toolkit-0.1.0-py3-none-any.whl",
         "a26c2b50b5694d05df30e37b4275f9c85d7762e469d4ced297a8027d75a55f88")}
    assert {w.member for w in wheels} == {"lunar_toolkit/static/basemaps/lola_dem_south.tif",
                                          "lunar_toolkit/static/basemaps/wac_south.jpg"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_GOOD_WHEEL.replace('member = "some_package/data/a.bin"\n', ""),
         r"product 'a' names a wheel member but lacks 'member'; a product inside a Python package needs all of "
         r"package, package_version, wheel, wheel_sha256, member\.$"),
        (_GOOD + 'package = "some-package"\n',
         r"product 'a' names a wheel member but lacks 'package_version', 'wheel', 'wheel_sha256', 'member'; "),
        (_GOOD + "wheel_bytes = 1000\n", r"product 'a' names a wheel member but lacks 'package', 'package_version'"),
        (_GOOD_WHEEL.replace("1" * 64, "1234ABCD"),
         r"product 'a': 'wheel_sha256' must be 64 lower-case hex digits \(got '1234ABCD'\)\.$"),
        (_GOOD_WHEEL.replace('"some_package/data/a.bin"', '"some_package/../../etc/passwd"'),
         r"product 'a': 'member' must be a relative path inside the wheel \(got 'some_package/\.\./\.\./etc/passwd'\)\.$"),
        (_GOOD_WHEEL.replace('"some_package/data/a.bin"', '"/etc/passwd"'),
         r"'member' must be a relative path inside the wheel \(got '/etc/passwd'\)"),
        (_GOOD_WHEEL.replace('package_version = "1.2.3"', 'package_version = ""'),
         r"product 'a': 'package_version' must be a non-empty string \(got ''\)\.$"),
        (_GOOD_WHEEL.replace('"some_package-1.2.3-py3-none-any.whl"', '"some_package-1.2.3.tar.gz"'),
         r"product 'a': 'wheel' must be a wheel file name ending in \.whl \(got 'some_package-1\.2\.3\.tar\.gz'\)\.$"),
        (_GOOD_WHEEL.replace("wheel_bytes = 1000", "wheel_bytes = 0"),
         r"product 'a': 'wheel_bytes' must be a positive whole number of bytes \(got 0\)\.$"),
        (_GOOD + "bounds_m = [-1.0, -1.0, 1.0, 1.0]\n",
         r"product 'a': 'bounds_m' needs 'crs' to say what the numbers are in\.$"),
        (_GOOD + 'crs = "EPSG:4326"\n',
         r"product 'a': 'crs' must be a lunar IAU_2015 code such as 'IAU_2015:30135' \(got 'EPSG:4326'\)\.$"),
        (_GOOD + 'crs = "IAU_2015:30135"\nbounds_m = [1.0, -1.0, -1.0, 1.0]\n',
         r"product 'a': 'bounds_m' must be \[minx, miny, maxx, maxy\] with min < max \(got \[1\.0, -1\.0, -1\.0, 1\.0\]\)\.$"),
        (_GOOD + 'crs = "IAU_2015:30135"\nbounds_m = [0.0, 0.0, 1.0]\n',
         r"'bounds_m' must be \[minx, miny, maxx, maxy\] with min < max \(got \[0\.0, 0\.0, 1\.0\]\)"),
    ],
    ids=["package-without-member", "package-alone", "wheel-bytes-alone", "bad-wheel-sha256", "member-with-dotdot",
         "absolute-member", "empty-version", "not-a-wheel", "zero-wheel-bytes", "bounds-without-crs", "earth-crs",
         "bounds-min-above-max", "three-bounds"],
)
def test_load_catalog__bad_wheel_or_placement_keys_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(CatalogError, match=message):
        load_catalog(_write(tmp_path, text))


def test_load_catalog__crs_and_bounds_are_read(tmp_path):
    product = load_catalog(_write(tmp_path, _GOOD + 'crs = "IAU_2015:30135"\nbounds_m = [-5, -5.5, 5, 6]\n')).get("a")
    assert product.crs == "IAU_2015:30135"
    assert product.bounds_m == (-5.0, -5.5, 5.0, 6.0)


# --- full-resolution products read in place (access = "remote") --------------------------------------

_REMOTE = _GOOD.replace("required = true", "required = false").replace("bytes = 10\n", "").replace(
    f'sha256 = "{"0" * 64}"\n', "") + 'access = "remote"\nresolution_m = 5.0\nlat_range = [-90.0, -87.0]\n'


def test_load_catalog__remote_product_keys_are_read(tmp_path):
    (product,) = load_catalog(_write(tmp_path, _REMOTE)).products
    assert product.remote and product.access == "remote" and product.bytes is None and product.sha256 is None
    assert product.resolution_m == 5.0 and product.lat_range == (-90.0, -87.0)
    (plain,) = load_catalog(_write(tmp_path, _GOOD)).products
    assert not plain.remote and plain.access == "local" and plain.resolution_m is None and plain.lat_range is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_REMOTE.replace('access = "remote"', 'access = "cloud"'), r"'access' must be \"local\" or \"remote\" \(got 'cloud'\)"),
        (_REMOTE.replace("required = false", "required = true") + f'bytes = 10\nsha256 = "{"0" * 64}"\n',
         r"a remote product \(access = \"remote\"\) needs required = false and one or more URLs"),
        (_REMOTE.replace('["https://example.org/a.bin"]', "[]") + 'note = "x"\n', r"needs required = false and one or more URLs"),
        (_REMOTE.replace("resolution_m = 5.0", "resolution_m = 0"), r"'resolution_m' must be a positive number of metres"),
        (_REMOTE.replace("[-90.0, -87.0]", "[-87.0, -90.0]"), r"'lat_range' must be \[south, north\] degrees"),
        (_REMOTE.replace("[-90.0, -87.0]", "[-95.0, -87.0]"), r"'lat_range' must be \[south, north\] degrees"),
    ],
)
def test_load_catalog__bad_remote_keys_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(CatalogError, match=message):
        load_catalog(_write(tmp_path, text))


def test_catalogue__header_describes_every_key():
    header = [line for line in DEFAULT_CATALOG_PATH.read_text().splitlines() if line.startswith("#")]
    described = {m.group(1) for line in header for m in re.finditer(r"^#\s+([a-z_0-9]+)\s", line)}
    described |= {k.split()[0] for line in header if line.startswith("#   package,") for k in line[1:].split(",")}
    assert set(PRODUCT_KEYS) <= described, f"describe {sorted(set(PRODUCT_KEYS) - described)} in the header"


@needs_manifest
def test_catalogue__full_resolution_products_are_the_readmes_urls_read_in_place():
    readme = (SHARED_DATA / "README.md").read_text()
    section = readme.split("## Full-resolution products", 1)[1].split("\n## ", 1)[0]
    urls = set(re.findall(r"\|\s*(https://\S+?\.(?:tif|TIF))\s*\|", section))
    remote = [p for p in load_catalog() if p.remote]
    assert len(urls) == 7 and {p.urls[0] for p in remote} == urls
    for p in remote:
        assert not p.required and p.bytes is None and p.sha256 is None, p.name   # nothing invented
        assert p.file == "full_resolution/" + p.urls[0].rsplit("/", 1)[1] and p.resolution_m, p.name
    by_name = {p.name: p for p in remote}
    assert (by_name["lola-5m-87s"].resolution_m, by_name["lola-5m-87s"].lat_range) == (5.0, (-90.0, -87.0))
    assert (by_name["lola-20m-80s"].resolution_m, by_name["lola-20m-80s"].lat_range) == (20.0, (-90.0, -80.0))
    # 256 px per degree of latitude on the 1,737.4 km sphere: 2 pi R / 360 / 256 m.
    assert by_name["lola-global-256ppd"].resolution_m == pytest.approx(2 * 3.141592653589793 * 1_737_400 / 360 / 256, abs=0.01)
    assert {p.name for p in remote if p.role == "elevation-full"} == {"lola-5m-87s", "lola-20m-80s", "lola-global-256ppd"}
