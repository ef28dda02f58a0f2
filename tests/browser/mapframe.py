"""Helpers shared by the browser tests and the browser benchmarks: open the map page, map <-> screen, idle.

No pytest fixtures here (``bench/`` imports this module too).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "MapFrame", "open_map_page", "wait_idle", "after_rerun", "open_entry_tab",
           "import_zone_file", "wait_view_settled", "wait_root", "next_frames", "click_map",
           "layer_toggle", "toggle_layer", "save_scenario"]

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
    wait_idle(pg, timeout_ms=timeout_ms)
    return pg


#: Streamlit's own record of the script run, on its app root: "initial", "running", "rerunRequested",
#: "notRunning", ... (the attribute Streamlit's end-to-end tests wait on).
_SCRIPT_STATE = "document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"

#: Installs (once per page) an observer that notes every script run start, and clears the note. It watches the
#: whole document, not one element: Streamlit can mount a new app root (after its websocket reconnects on a
#: loaded machine), and an observer on the old one would never see another run.
_ARM = """() => {
  if (!window.__lmRunObserver) {
    // every record counts, old values included: a quick run may start and end between two callbacks
    const busy = (s) => s === 'running' || s === 'rerunRequested';
    window.__lmRunObserver = new MutationObserver((records) => {
      if (records.some((r) => busy(r.oldValue) || busy(r.target.getAttribute('data-test-script-state')))) {
        window.__lmRunStarted = true;
      }
    });
    window.__lmRunObserver.observe(document.documentElement, {subtree: true, attributes: true,
                                   attributeOldValue: true, attributeFilter: ['data-test-script-state']});
  }
  window.__lmRunStarted = false;
}"""
_RUN_DONE = f"() => window.__lmRunStarted === true && {_SCRIPT_STATE} === 'notRunning'"
_IDLE = f"() => {_SCRIPT_STATE} === 'notRunning' && !document.querySelector('[data-testid=\"stStatusWidget\"]')"


def wait_idle(pg, timeout_ms: int = 30_000) -> None:
    """Until Streamlit runs no script. (After an action that starts a run, use :func:`after_rerun`.)"""
    pg.wait_for_function(_IDLE, timeout=timeout_ms)


def after_rerun(pg, action, timeout_ms: int = 90_000):
    """Do ``action()`` (a widget change) and wait until the script run it starts has finished; return its result.

    An observer on Streamlit's script state notes the run starting, so a run that has not begun
    yet is never mistaken for one that has ended. Typing belongs in ``action`` with the key that submits it
    (``lambda: (box.fill(text), box.press("Enter"))``): a text box also submits when it loses focus, and a run
    started that way before the observer is armed would leave Enter with nothing new to submit.
    """
    pg.evaluate(_ARM)
    result = action()
    wait_run_done(pg, timeout_ms)
    return result


def wait_run_done(pg, timeout_ms: int) -> None:
    """Until the script run noted by the armed observer has ended; a wait that runs out says what it saw."""
    try:
        pg.wait_for_function(_RUN_DONE, timeout=timeout_ms)
    except Exception as exc:  # noqa: BLE001 - playwright's TimeoutError, re-raised with the page's state
        seen = pg.evaluate(f"() => ({{started: window.__lmRunStarted === true, state: {_SCRIPT_STATE},"
                           " status: !!document.querySelector('[data-testid=\"stStatusWidget\"]'),"
                           " url: location.href}})")
        raise AssertionError(f"no finished script run within {timeout_ms} ms: {seen}") from exc


#: The map component's ``.lm-root`` (inside the component's shadow root), found once and kept while attached.
_FIND_ROOT = """(() => {
  if (window.__lmRootEl && window.__lmRootEl.isConnected) return window.__lmRootEl;
  const find = (node) => {
    const r = node.querySelector('.lm-root');
    if (r) return r;
    for (const el of node.querySelectorAll('*')) {
      if (el.shadowRoot) { const x = find(el.shadowRoot); if (x) return x; }
    }
    return null;
  };
  window.__lmRootEl = find(document);
  return window.__lmRootEl;
})()"""


def wait_root(pg, predicate_js: str, timeout_ms: int = 30_000, polling="raf") -> None:
    """Until ``predicate_js`` (a JS expression over ``r``, the map component's ``.lm-root``) is true."""
    pg.wait_for_function(f"() => {{ const r = {_FIND_ROOT}; return !!r && ({predicate_js}); }}",
                         timeout=timeout_ms, polling=polling)


def click_map(pg, sx: float, sy: float, attempts: int = 5, timeout_ms: int = 90_000) -> None:
    """Click the map at screen ``(sx, sy)`` in pan mode and wait for the script run the click starts.

    deck.gl takes a press as a click only when it is quick (its tap recogniser); on a loaded machine the
    browser may see the press last longer, above all when a frame of the map is being drawn between the press
    and the release. Each attempt waits for two animation frames first, so it starts between frames. The
    component publishes the seq of every trigger it sends (``data-sent``), so a click it did not take (nothing
    sent) is simply made again.
    """
    before = int(pg.locator(".lm-root").get_attribute("data-sent") or 0)
    pg.evaluate(_ARM)
    for attempt in range(attempts):
        next_frames(pg, 2)
        pg.mouse.click(sx, sy)
        try:
            wait_root(pg, f"parseInt(r.dataset.sent || '0') > {before}", timeout_ms=5_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError: the click was not taken as one
            if attempt == attempts - 1:
                raise AssertionError(f"the map took none of {attempts} clicks at ({sx:.0f}, {sy:.0f})") from None
    wait_run_done(pg, timeout_ms)


def open_entry_tab(pg, tab: str) -> None:
    """Open "Add a zone exactly, or import zones" at ``tab`` ("Circle", "Polygon" or "Import file")."""
    pg.get_by_text("Add a zone exactly, or import zones").click()
    pg.get_by_role("tab", name=tab).wait_for(state="visible", timeout=30_000)
    pg.get_by_role("tab", name=tab).click()
    pg.locator("[role=tabpanel]:visible").first.wait_for(state="visible", timeout=30_000)


def import_zone_file(pg, path: Path, open_tab: bool = True) -> None:
    """Choose ``path`` in the zone import form and press Import (the caller waits for the outcome it expects)."""
    if open_tab:
        open_entry_tab(pg, "Import file")
    pg.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    pg.get_by_text(Path(path).name).first.wait_for(state="visible", timeout=10_000)
    pg.get_by_role("button", name="Import zones").click()


def wait_view_settled(pg, timeout_ms: int = 20_000) -> None:
    """Until the view the component publishes (centre and zoom) is the same over three animation frames in a row.

    The check runs in the page (requestAnimationFrame polling), so it follows the map's own frames, not a clock.
    """
    pg.wait_for_function("""() => {
      const r = """ + _FIND_ROOT + """;
      if (!r) return false;
      const now = ['data-target-x', 'data-target-y', 'data-zoom'].map(a => r.getAttribute(a)).join(',');
      if (window.__lmViewLast === now) { window.__lmViewSame = (window.__lmViewSame || 0) + 1; }
      else { window.__lmViewLast = now; window.__lmViewSame = 0; }
      return window.__lmViewSame >= 3;
    }""", polling="raf", timeout=timeout_ms)


def next_frames(pg, n: int = 2) -> None:
    """Until the page has drawn ``n`` more animation frames (e.g. a hover change has reached the canvas)."""
    pg.evaluate("""n => new Promise(done => {
      const step = k => k <= 0 ? done() : requestAnimationFrame(() => step(k - 1));
      step(n);
    })""", n)


def layer_toggle(pg, label: str):
    """The toggle labelled ``label`` in the map's layer list (the "Layers" popover, opened when it is closed)."""
    body = pg.get_by_test_id("stPopoverBody").filter(has=pg.get_by_text(label, exact=True))
    if not body.is_visible():
        pg.get_by_role("button", name="Layers").click()
    toggle = body.get_by_text(label, exact=True)
    toggle.wait_for(state="visible", timeout=30_000)
    return toggle


def toggle_layer(pg, label: str) -> None:
    """Click the layer toggle ``label`` in the map's layer list until its switch has flipped; the list stays open.

    (Closing it with Escape between toggles raced its closing animation: a toggle clicked meanwhile was lost.
    A click can still land while the list re-renders after a rerun and be lost on a busy machine: the switch
    flips in the browser at once when a click is taken, so a switch that has not flipped is clicked again.)
    """
    from playwright.sync_api import expect

    toggle = layer_toggle(pg, label)
    switch = pg.get_by_test_id("stPopoverBody").get_by_label(label, exact=True)
    before = switch.is_checked()
    for attempt in range(3):
        toggle.click()
        try:
            expect(switch).to_be_checked(checked=not before, timeout=10_000)
            return
        except AssertionError:
            if attempt == 2:
                raise
            toggle = layer_toggle(pg, label)
            # the list may have re-rendered (or closed) while the taken click's run went on: a switch found
            # flipped once the list is open again is done, and clicking it again would flip it back
            if switch.is_checked() != before:
                return


def save_scenario(pg, name: str) -> str:
    """Type ``name`` as the scenario name and press Save; once the page's address holds the scenario, return it."""
    from playwright.sync_api import expect

    box = pg.get_by_role("textbox", name="Scenario name")
    after_rerun(pg, lambda: (box.fill(name), box.press("Enter")))
    save = pg.get_by_role("button", name="Save", exact=True)
    expect(save).to_be_enabled(timeout=90_000)   # Streamlit disables it while a slow rerun runs
    save.click()
    pg.wait_for_function("() => location.search.includes('scenario=')", timeout=30_000)
    return pg.url
