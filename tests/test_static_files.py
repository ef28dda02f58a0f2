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
