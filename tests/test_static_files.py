"""lunarmap_ui.static_files: content-hash names, and old versions pruned."""

from __future__ import annotations

import os

from lunarmap_ui.static_files import KEEP_PER_STEM, content_name, publish


def test_publish_names_by_content_and_keeps_only_the_newest_versions(tmp_path):
    static = tmp_path / "static"
    src = tmp_path / "layer.png"
    urls = []
    for i in range(KEEP_PER_STEM + 3):
        src.write_bytes(b"version %d" % i)
        os.utime(src, ns=(i * 10**9, i * 10**9))
        urls.append(publish(src, static_dir=static))
        # the file just published gets the newest mtime (a copy is made now)
    names = sorted(p.name for p in static.iterdir())
    assert len(set(urls)) == KEEP_PER_STEM + 3                      # every content gets its own URL
    assert len(names) == KEEP_PER_STEM                              # ... but only the newest few are kept
    assert urls[-1].rsplit("/", 1)[1] in names and urls[0].rsplit("/", 1)[1] not in names
    other = tmp_path / "other.png"
    other.write_bytes(b"x")
    publish(other, static_dir=static)                               # another stem is not touched
    assert len(list(static.iterdir())) == KEEP_PER_STEM + 1
    assert content_name(src) == urls[-1].rsplit("/", 1)[1]


def test_publish_tree__names_a_folder_by_all_its_files_and_keeps_only_the_newest_versions(tmp_path):
    from lunarmap_ui.static_files import publish_tree

    src, static = tmp_path / "mods", tmp_path / "static"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "b.js").write_text("export const b = 1;")
    urls = []
    for i in range(KEEP_PER_STEM + 2):
        (src / "main.js").write_text(f"import {{ b }} from './sub/b.js'; export const v = {i};")
        os.utime(src / "main.js", ns=(i * 10**9, i * 10**9))
        urls.append(publish_tree(src, stem="mods", entry="main.js", static_dir=static))
    assert len(set(urls)) == len(urls) and all(u.startswith("app/static/mods-") and u.endswith("/main.js") for u in urls)
    newest = static / urls[-1].removeprefix("app/static/").split("/")[0]
    assert (newest / "sub" / "b.js").read_text() == "export const b = 1;"
    assert len([p for p in static.iterdir() if p.is_dir()]) == KEEP_PER_STEM
    (src / "sub" / "b.js").write_text("export const b = 2;")          # a change in any file gives a new URL
    assert publish_tree(src, stem="mods", entry="main.js", static_dir=static) != urls[-1]


def test_publish_bytes__names_by_content_writes_once_and_keeps_the_newest_versions(tmp_path):
    import hashlib

    import pytest

    from lunarmap_ui.static_files import publish_bytes

    static = tmp_path / "static"
    url = publish_bytes(b"[1,2]", stem="rows-sites", ext="json", static_dir=static)
    assert url == f"app/static/rows-sites-{hashlib.sha256(b'[1,2]').hexdigest()[:12]}.json"
    path = static / url.removeprefix("app/static/")
    os.utime(path, ns=(1, 1))
    assert publish_bytes(b"[1,2]", stem="rows-sites", ext="json", static_dir=static) == url
    assert path.stat().st_mtime_ns == 1, "the same bytes are not written again"
    for i in range(5):
        publish_bytes(b"[%d]" % i, stem="rows-sites", ext="json", static_dir=static, keep=3)
    assert len(list(static.glob("rows-sites-*.json"))) == 3
    publish_bytes(b"[]", stem="rows-site-labels", ext="json", static_dir=static, keep=3)   # another stem
    assert len(list(static.glob("rows-sites-*.json"))) == 3 and len(list(static.iterdir())) == 4
    with pytest.raises(ValueError, match="stem '../x'"):
        publish_bytes(b"[]", stem="../x", ext="json", static_dir=static)


def test_map_rows__by_reference_publishes_the_rows_of_the_fixed_layers_only(tmp_path):
    import json

    from lunarmap_ui.map_rows import by_reference, published

    static = tmp_path / "static"
    rows = [{"id": "a", "name": "Shackleton <b>rim</b>", "position": [1.5, -2.0]}, {"id": "b", "name": "Connecting ridge"}]
    layers = [{"id": "sites", "@@type": "ScatterplotLayer", "data": rows, "opacity": 0.5},
              {"id": "zones-extra", "@@type": "PolygonLayer", "data": [{"id": "z"}]},
              {"id": "raster-psr", "@@type": "BitmapLayer", "image": "app/static/psr.png"}]
    out = by_reference(layers, static_dir=static)
    assert [x["id"] for x in out] == ["sites", "zones-extra", "raster-psr"]
    assert "data" not in out[0] and out[0]["opacity"] == 0.5 and out[0]["@@type"] == "ScatterplotLayer"
    assert json.loads((static / out[0]["dataUrl"].removeprefix("app/static/")).read_text("utf-8")) == rows
    assert out[1] == layers[1] and out[2] == layers[2], "rows of other layers stay inline; rasters as they are"
    assert "data" in layers[0], "the layers given are not changed"
    assert by_reference(layers, static_dir=static)[0]["dataUrl"] == out[0]["dataUrl"]
    assert published(out, static_dir=static)
    (static / out[0]["dataUrl"].removeprefix("app/static/")).unlink()
    assert not published(out, static_dir=static)


def test_publish_preview__box_averages_a_large_image_by_a_whole_factor_and_skips_small_ones(tmp_path):
    import numpy as np
    from PIL import Image

    from lunarmap_ui.static_files import publish_preview

    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, (3000, 2100, 4), dtype=np.uint8)
    big = tmp_path / "elevation-0123456789ab.png"
    Image.fromarray(rgba, "RGBA").save(big)
    static = tmp_path / "static"
    url = publish_preview(big, static_dir=static)
    assert url is not None and url.startswith("app/static/elevation-preview-") and url.endswith(".png")
    small = np.asarray(Image.open(static / url.rsplit("/", 1)[1]))
    assert small.shape == (1000, 700, 4)                    # 3000 / 3: a whole factor, at most 1024 px a side
    blocks = rgba.reshape(1000, 3, 700, 3, 4).astype(float)
    alpha = blocks[..., 3].mean(axis=(1, 3))
    colour = (blocks[..., :3] * blocks[..., 3:]).sum(axis=(1, 3)) / blocks[..., 3:].sum(axis=(1, 3))
    # each 3 x 3 block's mean opacity, and its colour weighted by opacity (no bleed from see-through pixels)
    # (Pillow premultiplies in 8 bits: a few levels of rounding where a block is nearly see-through)
    solid = alpha >= 64
    assert np.abs(small[..., 3] - alpha).max() <= 1.0
    assert np.abs(small[..., :3] - colour)[solid].max() <= 6.0
    assert np.abs(small[..., :3] - blocks[..., :3].mean(axis=(1, 3)))[solid].max() > 10.0   # not a plain mean
    tiny = tmp_path / "psr-0123456789ab.png"
    Image.fromarray(rgba[:800, :900], "RGBA").save(tiny)
    assert publish_preview(tiny, static_dir=static) is None  # already small: drawn as it is
    assert publish_preview(big, static_dir=static) == url    # the same bytes, the same name
    paletted = tmp_path / "psr-ba9876543210.png"              # as prepare writes images of <= 256 colours
    Image.fromarray(rgba[..., 0] // 64, "L").convert("P").save(paletted)
    url = publish_preview(paletted, static_dir=static)
    assert url is not None and Image.open(static / url.rsplit("/", 1)[1]).size == (700, 1000)


def test_publish_preview__a_restarted_server_finds_the_preview_it_made_and_remakes_a_deleted_one(tmp_path, monkeypatch):
    import numpy as np
    from PIL import Image

    from lunarmap_ui import static_files

    rgba = np.random.default_rng(2).integers(0, 256, (2048, 2048, 4), dtype=np.uint8)
    big = tmp_path / "mosaic-0123456789ab.png"
    Image.fromarray(rgba, "RGBA").save(big)
    static = tmp_path / "static"
    url = static_files.publish_preview(big, static_dir=static)
    assert url is not None
    opened = []
    real_open = Image.open
    monkeypatch.setattr(Image, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    assert static_files.publish_preview(big, static_dir=static) == url   # noted: the image is not opened again
    assert opened == []
    (static / url.removeprefix("app/static/")).unlink()                   # e.g. pruned, or the folder cleaned
    assert static_files.publish_preview(big, static_dir=static) == url    # made again, the same bytes and name
    assert len(opened) == 1 and (static / url.removeprefix("app/static/")).exists()
