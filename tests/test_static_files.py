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
