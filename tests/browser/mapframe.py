"""Helpers shared by the browser tests and the browser benchmarks: open the map page, map <-> screen, idle.

No pytest fixtures here (``bench/`` imports this module too).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "MapFrame", "open_map_page", "wait_idle", "open_entry_tab", "import_zone_file",
           "wait_view_settled"]

#: Debian's Chromium (never a browser downloaded by playwright) and its headless arguments.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class MapFrame:
    """Screen <-> map metres for the deck canvas, from the view state the component publishes."""

    def __init__(self, pg):
        root = pg.locator(".lm-root")
        self.tx = float(root.get_attribute("data-target-x"))
        self.ty = float(root.get_attribute("data-target-y"))
        self.zoom = float(root.get_attribute("data-zoom"))
        self.box = pg.locator(".lm-deck canvas").bounding_box()
        self.cx = self.box["x"] + self.box["width"] / 2
        self.cy = self.box["y"] + self.box["height"] / 2

    @property
    def mpp(self) -> float:
        """Map metres per CSS pixel (OrthographicView: 2**zoom pixels per map metre)."""
        return 1.0 / 2 ** self.zoom

    def to_screen(self, x_m: float, y_m: float) -> tuple[float, float]:
        return self.cx + (x_m - self.tx) / self.mpp, self.cy - (y_m - self.ty) / self.mpp

    def to_map(self, sx: float, sy: float) -> tuple[float, float]:
        return self.tx + (sx - self.cx) * self.mpp, self.ty - (sy - self.cy) * self.mpp


def open_map_page(opener, url: str, timeout_ms: int = 40_000, requests: bool = False, **page_args):
    """A new page (from a browser or a context) at ``url``, once the map has drawn all its layers.

    The page collects JavaScript errors in ``pg.errors`` (and, with ``requests``, URLs in ``pg.requests``).
    """
    pg = opener.new_page(**page_args)
    pg.errors = []
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    if requests:
        pg.requests = []
        pg.on("request", lambda r: pg.requests.append(r.url))
    pg.goto(url)
    pg.wait_for_selector(".lm-root[data-loaded='1']", state="attached", timeout=timeout_ms)
    pg.wait_for_timeout(300)
    return pg


def wait_idle(pg, settle_ms: int = 200, timeout_ms: int = 30_000) -> None:
    """Until Streamlit runs no script (its status widget gone), then a quiet moment."""
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)
    pg.wait_for_timeout(settle_ms)


def open_entry_tab(pg, tab: str) -> None:
    """Open "Add a zone exactly, or import zones" at ``tab`` ("Circle", "Polygon" or "Import file")."""
    pg.get_by_text("Add a zone exactly, or import zones").click()
    wait_idle(pg)
    pg.get_by_role("tab", name=tab).click()
    wait_idle(pg)


def import_zone_file(pg, path: Path, open_tab: bool = True) -> None:
    """Choose ``path`` in the zone import form and press Import (the caller waits for the outcome it expects)."""
    if open_tab:
        open_entry_tab(pg, "Import file")
    pg.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    pg.get_by_text(Path(path).name).first.wait_for(state="visible", timeout=10_000)
    pg.get_by_role("button", name="Import zones").click()


def wait_view_settled(pg, timeout_ms: int = 20_000) -> None:
    """Until the view the component publishes (centre and zoom) stops changing: a fly-to or zoom has ended."""
    import time

    root = pg.locator(".lm-root")
    deadline = time.monotonic() + timeout_ms / 1000.0
    last, same = None, 0
    while same < 3:
        now = tuple(root.get_attribute(a) for a in ("data-target-x", "data-target-y", "data-zoom"))
        same = same + 1 if now == last else 0
        last = now
        if time.monotonic() > deadline:
            raise AssertionError(f"the map view kept moving for {timeout_ms} ms (last {now})")
        pg.wait_for_timeout(100)   # a poll interval: the state decides when to go on
