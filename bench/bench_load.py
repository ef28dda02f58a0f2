"""Benchmark: N concurrent dashboard sessions over two replicas on one PostGIS scenario store (issue 20).

    python bench/bench_load.py [--sessions 5,10,20,30,40] [--think 1.0] [--arrival 5.0] [--timeout 900]

Loopback only, and it stops by itself. It starts a throwaway PostgreSQL + PostGIS server
(``tests/postgis_cluster.py``), writes the synthetic display data of the browser tests
(``tests/display_data.py``) into a temporary folder, and starts two replicas of the page
(``streamlit run dashboard.py`` on two free 127.0.0.1 ports, the same data, the same
``LUNARMAP_SCENARIO_DB``). Then, for each N of ``--sessions`` (a ramp, stopped once the rerun
p95 passes 5 s), N simulated users run at the same time, user i on replica i mod 2.

A user is not a Chromium page but a client of Streamlit's own websocket protocol
(``/_stcore/stream``: ``BackMsg`` protobufs up, ``ForwardMsg`` protobufs down, as the browser's
frontend speaks it), so on this 2-core machine the figures are the servers', not 20 software
WebGL renderers'. It sends what the frontend sends: widget values found by their keys in the
page's deltas, the map component's ``draw`` trigger (``lunarmap_ui/map/protocol.json``) as the
component's trigger-aggregator value, and the fragment id when the widget lives in the map's
fragment. Each user (tag ``u<i>-<run>``; ``--think`` seconds between actions, a person's pace; the users'
arrivals spread evenly over ``--arrival`` seconds, as a load tester's spawn rate, ``--arrival 0`` all at once):

1. opens the page; sets "Owner of new zones" to its tag; draws two geodesic circles on the map;
2. names the scenario ``load <tag>`` and clicks Save (the address gets ``?scenario=ID``);
3. draws a third circle and does not save it (an unsaved zone, live in its session);
4. waits until every user has saved (or the step's time is up), reruns the page, toggles the
   Graticule layer twice, picks user i+1's scenario in the "Saved scenarios" picker and clicks Open,
   toggles the Graticule twice more;
5. leaves the page and opens user i+2's ``?scenario=ID`` link on the other replica, toggles once.

Every rerun is timed from the BackMsg sent to the ``script_finished`` ForwardMsg of the run it
caused (through any fragment-to-page rerun). After every rerun the map's zones (the component's
data) are checked: before Open only the user's own zones (owner = its tag; three after step 3),
after Open and by the link exactly the other user's two saved zones, never its unsaved third
(an isolation violation otherwise). Errors: a client timeout or disconnect, a script exception,
an error alert, an expected confirmation that did not come. Lost saves: after the step, each
confirmed save is read back from PostGIS (``lunarmap.scenarios``/``lunarmap.zones``) and must
hold the user's two zones with its owner. Memory: VmRSS of each replica (``/proc/PID/status``)
before the step, at its peak (every user on its second page) and after all have left;
per session = (peak - before) / users on that replica ("after" still holds the sessions that left: Streamlit
keeps a disconnected session for ``server.disconnectedSessionTTL``, 120 s, for a reconnect). Also printed: the replicas' CPU time per
script run (``/proc/PID/stat``), the most runs per second the cores could serve at that cost, and this
client's own CPU time. On a shared machine the wall-clock latencies depend on whatever else runs
(the load average is printed before and during each step); the CPU per run much less.

Budgets (issue 20, at 20 sessions): median rerun under 1 s, p95 under 3 s, 0 errors, 0 lost saves,
0 isolation violations. "Breaks at": the smallest N whose p95 passes 5 s. Results also go to
``bench/results/bench_load-<time>.json``. Exit status 1 when the N = 20 step (or the largest N run,
when 20 is not in the ramp) is over a budget.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lunarmap.crs import lonlat_to_polar  # noqa: E402
from lunarmap.zones.payload import radius_between_km  # noqa: E402
from tests.display_data import copy_gazetteer, write_display_data  # noqa: E402
from tests.postgis_cluster import PostgisCluster  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
SHARED_DATA = Path(os.environ.get("LUNARMAP_SHARED_DIR", "/work/shared"))
BUDGET_MEDIAN_S = 1.0
BUDGET_P95_S = 3.0
BREAK_P95_S = 5.0
BUDGET_AT = 20
RERUN_TIMEOUT_S = 120.0
MAP_KEY = "lunar_map"
#: Streamlit's name for a components-v2 instance's trigger widget (streamlit/components/v2/bidi_component/main.py).
TRIGGER_ID = "$$STREAMLIT_INTERNAL_KEY_{base}__events"
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
        ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, linear between order statistics (numpy's default)."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def zone_violations(zones: list[dict[str, Any]], owner: str, names: set[str]) -> list[str]:
    """What is wrong with the zones a session sees when it should see exactly ``names``, all owned by ``owner``."""
    seen = {str(z.get("name")) for z in zones}
    out = [f"zone {z.get('name')!r} of {z.get('owner')!r} (expected only {owner!r}'s)"
           for z in zones if z.get("owner") != owner]
    if seen != names or len(zones) != len(names):
        out.append(f"zones {sorted(seen)} ({len(zones)}), expected {sorted(names)}")
    return out


def vm_rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS from /proc, MB of 2^20 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, s) a process has used so far (/proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Replica:
    """One ``streamlit run dashboard.py`` on a free loopback port."""

    def __init__(self, folder: Path, env: dict[str, str]):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = folder / f"streamlit-{self.port}.log"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "streamlit"), "run", str(ROOT / "dashboard.py"),
                 "--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true",
                 "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                urllib.request.urlopen(self.url + "_stcore/health", timeout=1)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"replica {self.url} did not start: {self.log.read_text()[-2000:]}") from None
                try:   # the pause between polls is a wait on the process: an early exit ends it at once
                    self.proc.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    continue
                raise RuntimeError(f"replica {self.url} exited: {self.log.read_text()[-2000:]}") from None

    def rss_mb(self) -> float:
        return vm_rss_mb(self.proc.pid)

    def cpu_s(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


class Failure(Exception):
    """A session's step went wrong (counted as an error)."""


@dataclass
class Tally:
    """What the users of one step saw."""

    reruns: list[tuple[str, float]] = field(default_factory=list)    # (kind, seconds)
    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    saved: dict[str, tuple[str, str]] = field(default_factory=dict)   # tag -> (scenario id, name)
    held: int = 0                                                     # sessions that finished every step


class Page:
    """One browser tab's session over the websocket protocol: widget values kept as the frontend keeps them."""

    def __init__(self, url: str, tally: Tally, who: str):
        self.url, self.tally, self.who = url, tally, who
        self.ws: Any = None
        self.query = ""
        self.page_hash = ""
        self.widgets: dict[str, Any] = {}          # widget key -> its latest element proto
        self.ids: dict[str, str] = {}              # widget key -> widget id
        self.fragment: dict[str, str] = {}         # widget key -> fragment id ("" outside fragments)
        self.values: dict[str, WidgetState] = {}   # widget id -> the value the "browser" holds
        self.map: dict[str, Any] = {}
        self.alerts: list[tuple[int, str]] = []
        self.seq = 0
        self.cache: dict[str, ForwardMsg] = {}    # the frontend's message cache: hash -> message


    async def open(self, query: str = "") -> None:
        ws_url = self.url.replace("http://", "ws://") + "_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60,
                                           ping_interval=None)
        self.query = query
        await self.rerun("open")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    def _take(self, f: ForwardMsg) -> None:
        kind = f.WhichOneof("type")
        if kind == "ref_hash":                     # a large element this client said it has cached
            if f.ref_hash not in self.cache:
                raise Failure(f"{self.who}: the server referred to a message this client does not have")
            f = self.cache[f.ref_hash]
            kind = f.WhichOneof("type")
        elif f.metadata.cacheable:
            self.cache[f.hash] = f
        if kind == "new_session":
            self.page_hash = f.new_session.page_script_hash
        elif kind == "page_info_changed":
            self.query = f.page_info_changed.query_string
        elif kind == "delta" and f.delta.WhichOneof("type") == "new_element":
            el = f.delta.new_element
            et = el.WhichOneof("type")
            if et is None:
                return
            body = getattr(el, et)
            if et == "exception":
                self.tally.errors.append(f"{self.who}: script exception {body.type}: {body.message[:200]}")
            elif et == "alert":
                self.alerts.append((body.format, re.sub(r"\\(.)", r"\1", body.body)))   # Markdown escapes off
                if body.format == Alert.ERROR:
                    self.tally.errors.append(f"{self.who}: error shown: {body.body[:200]}")
            elif et == "bidi_component" and body.id.endswith("-" + MAP_KEY):
                self.map = json.loads(body.json)
                self.ids[MAP_KEY] = body.id
                self.fragment[MAP_KEY] = f.delta.fragment_id
            wid = getattr(body, "id", "")
            if isinstance(wid, str) and wid.startswith("$$ID-"):
                key = wid.split("-", 2)[2]
                self.widgets[key], self.ids[key], self.fragment[key] = body, wid, f.delta.fragment_id

    async def rerun(self, kind: str, set_values: dict[str, WidgetState] | None = None,
                    triggers: dict[str, WidgetState] | None = None, fragment: str = "") -> float:
        """Send one rerun (widget values kept, triggers once) and read until its run has finished; its seconds."""
        self.values.update(set_values or {})
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        cs.fragment_id = fragment
        cs.cached_message_hashes.extend(self.cache)
        states = {**self.values, **(triggers or {})}
        for wid, state in states.items():
            w = cs.widget_states.widgets.add()
            w.CopyFrom(state)
            w.id = wid
        self.alerts = []
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        deadline = t0 + RERUN_TIMEOUT_S
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise Failure(f"{self.who}: {kind} did not finish within {RERUN_TIMEOUT_S:.0f} s")
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                continue
            f = ForwardMsg()
            f.ParseFromString(raw)
            self._take(f)
            if f.WhichOneof("type") == "script_finished" and f.script_finished in DONE:
                seconds = time.perf_counter() - t0
                self.tally.reruns.append((kind, seconds))
                return seconds

    def zones(self) -> list[dict[str, Any]]:
        return list(self.map.get("zones") or [])

    def wid(self, key: str) -> str:
        if key not in self.ids:
            raise Failure(f"{self.who}: the page has no widget {key!r}")
        return self.ids[key]

    async def set_text(self, key: str, text: str, kind: str) -> None:
        await self.rerun(kind, {self.wid(key): WidgetState(string_value=text)}, fragment=self.fragment[key])

    async def toggle(self, key: str, kind: str) -> None:
        box = self.widgets[key]
        shown = box.value if box.set_value else box.default
        value = not self.values.get(self.wid(key), WidgetState(bool_value=shown)).bool_value
        await self.rerun(kind, {self.wid(key): WidgetState(bool_value=value)}, fragment=self.fragment[key])

    async def click(self, key: str, kind: str, extra: dict[str, WidgetState] | None = None) -> None:
        if getattr(self.widgets.get(key), "disabled", False):
            raise Failure(f"{self.who}: the button {key!r} is disabled")
        await self.rerun(kind, extra, {self.wid(key): WidgetState(trigger_value=True)}, fragment=self.fragment[key])

    async def draw_circle(self, lon: float, lat: float, edge_lat: float) -> None:
        """The map's ``draw`` trigger for a circle from (lon, lat) to an edge point on the same meridian."""
        self.seq += 1
        cx, cy = lonlat_to_polar(lon, lat)
        ex, ey = lonlat_to_polar(lon, edge_lat)
        centre, edge = [float(cx), float(cy)], [float(ex), float(ey)]
        value = {"kind": "circle", "center": centre, "edge": edge,
                 "radius_m": radius_between_km(centre, edge) * 1000.0, "seq": self.seq}
        base = self.wid(MAP_KEY)
        state = WidgetState(json_trigger_value=json.dumps([{"event": "draw", "value": value}]))
        await self.rerun("draw", triggers={TRIGGER_ID.format(base=base): state}, fragment=self.fragment[MAP_KEY])
        if (self.map.get("ack") or 0) < self.seq:
            raise Failure(f"{self.who}: the drawing {self.seq} was not acknowledged (ack {self.map.get('ack')})")

    def check(self, owner: str, names: set[str], when: str) -> None:
        for problem in zone_violations(self.zones(), owner, names):
            self.tally.violations.append(f"{self.who} {when}: {problem}")

    def expect_alert(self, start: str) -> None:
        if not any(text.startswith(start) for _, text in self.alerts):
            raise Failure(f"{self.who}: no message starting {start!r} (got {[t[:80] for _, t in self.alerts]})")


async def user(i: int, n: int, run: str, urls: list[str], tally: Tally, all_saved: asyncio.Event,
               think: float, arrival: float, settle: Callable[[int], None], peak: Callable[[], None]) -> None:
    """One simulated user's steps (see the module docstring); failures are tallied, never raised."""
    tag = f"u{i:02d}-{run}"
    page = Page(urls[i % 2], tally, tag)
    lon = -180.0 + 360.0 * i / n                     # each user's zones on its own meridian, 87-88 S
    try:
        await asyncio.sleep(arrival * i / n)          # users arrive one after another, not all in one instant
        await page.open()
        page.check(tag, set(), "on opening")
        await asyncio.sleep(think)
        await page.set_text("zone_new_owner", tag, "owner")
        for k, lat in enumerate((-87.0, -87.6)):
            await asyncio.sleep(think)
            await page.draw_circle(lon, lat, lat + 0.1)
            page.check(tag, {f"Zone {j + 1}" for j in range(k + 1)}, f"after drawing {k + 1}")
        await asyncio.sleep(think)
        name = f"load {tag}"
        await page.click("scenario_save", "save", {page.wid("zone_scenario_name"): WidgetState(string_value=name)})
        page.expect_alert(f"Saved {name!r} (2 zones)")
        sid = dict(p.split("=", 1) for p in page.query.split("&") if "=" in p).get("scenario")
        if not sid:
            raise Failure(f"{tag}: the address has no ?scenario= after the save ({page.query!r})")
        tally.saved[tag] = (sid, name)
        settle(i)
        await asyncio.sleep(think)
        await page.draw_circle(lon, -88.2, -88.1)      # unsaved: only this session may ever see it
        page.check(tag, {"Zone 1", "Zone 2", "Zone 3"}, "after the unsaved drawing")
        await all_saved.wait()
        await asyncio.sleep(arrival * i / n)          # and do not all act in the instant the last one saved
        await page.rerun("rerun")
        for _ in range(2):
            await asyncio.sleep(think)
            await page.toggle("show_graticule", "toggle")
            page.check(tag, {"Zone 1", "Zone 2", "Zone 3"}, "after a toggle")
        other = f"u{(i + 1) % n:02d}-{run}"
        if other in tally.saved:
            _, other_name = tally.saved[other]
            options = list(getattr(page.widgets.get("scenario_pick"), "options", []))
            label = next((o for o in options if o.startswith(other_name + " ·")), None)
            if label is None:
                raise Failure(f"{tag}: {other_name!r} is not in the saved scenarios picker")
            await asyncio.sleep(think)
            await page.click("scenario_open", "open scenario",
                             {page.wid("scenario_pick"): WidgetState(string_value=label)})
            page.expect_alert(f"Opened the scenario {other_name!r} (2 zones)")
            page.check(other, {"Zone 1", "Zone 2"}, f"after opening {other_name!r}")
            for _ in range(2):
                await asyncio.sleep(think)
                await page.toggle("show_graticule", "toggle")
                page.check(other, {"Zone 1", "Zone 2"}, "after a toggle")
        third = f"u{(i + 2) % n:02d}-{run}"
        await asyncio.sleep(think)
        await page.close()
        if third in tally.saved:                        # the link, on the other replica: a new page session
            sid3, name3 = tally.saved[third]
            page = Page(urls[(i + 1) % 2], tally, tag + "/link")
            await page.open(f"scenario={sid3}")
            peak()
            page.expect_alert(f"Opened the scenario {name3!r} (2 zones)")
            page.check(third, {"Zone 1", "Zone 2"}, f"by the link of {name3!r}")
            await asyncio.sleep(think)
            await page.toggle("show_graticule", "toggle")
            page.check(third, {"Zone 1", "Zone 2"}, "after a toggle")
        tally.held += 1
    except Failure as err:
        tally.errors.append(str(err))
    except (OSError, websockets.WebSocketException) as err:
        tally.errors.append(f"{tag}: connection {type(err).__name__}: {err}")
    finally:
        settle(i)                                       # saved or gone: no one waits for this user any more
        await page.close()


def lost_saves(url: str, saved: dict[str, tuple[str, str]]) -> list[str]:
    """Saves confirmed to a user that PostGIS does not hold with the user's two zones and owner."""
    lost = []
    with psycopg.connect(url) as con:
        for tag, (sid, name) in saved.items():
            row = con.execute("SELECT name FROM lunarmap.scenarios WHERE scenario_id = %s", (sid,)).fetchone()
            zones = con.execute("SELECT name, owner FROM lunarmap.zones WHERE scenario_id = %s ORDER BY name",
                                (sid,)).fetchall()
            if row is None or row[0] != name or zones != [("Zone 1", tag), ("Zone 2", tag)]:
                lost.append(f"{tag}: scenario {sid} is {row!r} with zones {zones}")
    return lost


async def step(n: int, run: str, replicas: list[Replica], think: float, arrival: float,
               timeout_s: float) -> dict[str, Any]:
    tally = Tally()
    all_saved = asyncio.Event()
    rss_before = [r.rss_mb() for r in replicas]
    cpu_before = sum(r.cpu_s() for r in replicas)
    client_before = time.process_time()
    rss_peak = list(rss_before)
    settled: set[int] = set()

    def settle(i: int) -> None:
        settled.add(i)
        if len(settled) == n:
            all_saved.set()

    def peak() -> None:
        for k, r in enumerate(replicas):
            rss_peak[k] = max(rss_peak[k], r.rss_mb())

    urls = [r.url for r in replicas]
    t0 = time.monotonic()
    tasks = [asyncio.ensure_future(user(i, n, run, urls, tally, all_saved, think, arrival, settle, peak)) for i in range(n)]
    _, late = await asyncio.wait(tasks, timeout=timeout_s)
    for t in late:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if late:
        tally.errors.append(f"{len(late)} users had not finished after {timeout_s:.0f} s (stopped)")
    wall = time.monotonic() - t0
    rss_after = [r.rss_mb() for r in replicas]
    cpu = sum(r.cpu_s() for r in replicas) - cpu_before
    client_cpu = time.process_time() - client_before
    times = [s for _, s in tally.reruns]
    inter = [s for k, s in tally.reruns if k != "open"]      # the runs after an action, page loads left out
    per_replica = [len(range(k, n, 2)) for k in range(2)]
    return {
        "sessions": n, "held": tally.held, "wall_s": wall, "reruns": len(times),
        "median_s": statistics.median(times) if times else float("nan"), "p95_s": percentile(times, 95),
        "max_s": max(times) if times else float("nan"),
        "no_open_median_s": statistics.median(inter) if inter else float("nan"), "no_open_p95_s": percentile(inter, 95),
        "by_kind": {k: {"n": len(v), "median_s": statistics.median(v), "p95_s": percentile(v, 95)}
                    for k in sorted({k for k, _ in tally.reruns})
                    for v in [[s for kk, s in tally.reruns if kk == k]]},
        "errors": tally.errors, "violations": tally.violations, "saves": len(tally.saved),
        "rss_before_mb": rss_before, "rss_peak_mb": rss_peak, "rss_after_mb": rss_after,
        "mb_per_session": [(p - b) / max(c, 1) for p, b, c in zip(rss_peak, rss_before, per_replica, strict=True)],
        "loadavg": os.getloadavg(), "saved": tally.saved,
        "server_cpu_s": cpu, "cpu_per_run_s": cpu / len(times) if times else float("nan"),
        "runs_per_s": len(times) / wall, "client_cpu_s": client_cpu,
    }


def show(res: dict[str, Any]) -> None:
    print(f"\nN = {res['sessions']}: {res['held']} sessions held all steps, {res['reruns']} reruns in "
          f"{res['wall_s']:.0f} s, load average {res['loadavg'][0]:.2f} / {res['loadavg'][1]:.2f}")
    print(f"  rerun median {res['median_s']:.3f} s (budget < {BUDGET_MEDIAN_S} s)   p95 {res['p95_s']:.3f} s "
          f"(budget < {BUDGET_P95_S} s)   max {res['max_s']:.3f} s")
    print(f"  server CPU {res['server_cpu_s']:.1f} s for {res['reruns']} runs: {res['cpu_per_run_s'] * 1000:.0f} ms "
          f"per run; {res['runs_per_s']:.1f} runs/s asked, {os.cpu_count()} cores serve at most "
          f"{(os.cpu_count() or 1) / res['cpu_per_run_s']:.1f} runs/s; this client used {res['client_cpu_s']:.1f} s")
    print(f"  (page loads left out: median {res['no_open_median_s']:.3f} s, p95 {res['no_open_p95_s']:.3f} s)")
    for k, v in res["by_kind"].items():
        print(f"    {k:14s} n={v['n']:4d}  median {v['median_s']:.3f} s  p95 {v['p95_s']:.3f} s")
    print(f"  errors {len(res['errors'])} (budget 0)   lost saves {len(res['lost'])} of {res['saves']} (budget 0)   "
          f"isolation violations {len(res['violations'])} (budget 0)")
    for k in range(2):
        print(f"  replica {k}: VmRSS {res['rss_before_mb'][k]:.0f} MB before, {res['rss_peak_mb'][k]:.0f} at the "
              f"peak, {res['rss_after_mb'][k]:.0f} after; {res['mb_per_session'][k]:.1f} MB per session")
    for line in (res["errors"] + res["violations"] + res["lost"])[:8]:
        print(f"    ! {line}")


def over_budget(res: dict[str, Any]) -> list[str]:
    out = []
    if not res["median_s"] < BUDGET_MEDIAN_S:
        out.append(f"median {res['median_s']:.2f} s")
    if not res["p95_s"] < BUDGET_P95_S:
        out.append(f"p95 {res['p95_s']:.2f} s")
    for what in ("errors", "lost", "violations"):
        if res[what]:
            out.append(f"{len(res[what])} {what}")
    if res["held"] < res["sessions"]:
        out.append(f"{res['sessions'] - res['held']} sessions not held")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", default="5,10,20,30,40", help="the ramp: concurrent users per step")
    ap.add_argument("--think", type=float, default=1.0, help="seconds between one user's actions")
    ap.add_argument("--arrival", type=float, default=5.0,
                    help="seconds over which the users' arrivals (and their first action after the wait) are spread")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per step before it is stopped")
    args = ap.parse_args()
    ramp = [int(s) for s in args.sessions.split(",")]
    print(f"load benchmark: users {ramp} over 2 replicas, think time {args.think} s, arrivals over {args.arrival} s, "
          f"{os.cpu_count()} CPUs, load average at start {os.getloadavg()[0]:.2f}")
    cluster = PostgisCluster("lunarmap_load")
    replicas: list[Replica] = []
    results = []
    with tempfile.TemporaryDirectory(prefix="lunarmap-load-") as tmp:
        try:
            url = cluster.start()
            data = write_display_data(Path(tmp) / "data")
            copy_gazetteer(data, SHARED_DATA)
            env = dict(os.environ, LUNARMAP_DATA_DIR=str(data), LUNARMAP_SCENARIO_DB=url)
            env.pop("LUNARMAP_SITES_FILE", None)
            env.pop("LUNARMAP_TIMING", None)
            replicas = [Replica(Path(tmp), env) for _ in range(2)]
            for r in replicas:
                r.wait_ready()
            warm = asyncio.run(step(2, "warm", replicas, 0.0, 0.0, args.timeout))   # first runs import and cache
            print(f"warm-up: 2 users, {len(warm['errors'])} errors, median rerun {warm['median_s']:.3f} s")
            for n in ramp:
                res = asyncio.run(step(n, f"n{n}", replicas, args.think, args.arrival, args.timeout))
                res["lost"] = lost_saves(url, res.pop("saved"))
                show(res)
                results.append(res)
                if res["p95_s"] > BREAK_P95_S:
                    print(f"  p95 passed {BREAK_P95_S} s at {n} sessions: the ramp stops here")
                    break
        finally:
            for r in replicas:
                r.stop()
            cluster.stop()
    if not results:
        return 1
    breaks = next((r["sessions"] for r in results if r["p95_s"] > BREAK_P95_S), None)
    judged = next((r for r in results if r["sessions"] == BUDGET_AT), results[-1])
    problems = over_budget(judged)
    print(f"\nbreaks at: {f'{breaks} sessions (p95 > {BREAK_P95_S} s)' if breaks else f'not within {ramp}'}")
    print(f"budget at {judged['sessions']} sessions: " + ("met" if not problems else "OVER: " + ", ".join(problems)))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"bench_load-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"think_s": args.think, "arrival_s": args.arrival, "steps": results, "breaks_at": breaks}, indent=1))
    print(f"results: {path.relative_to(ROOT)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
