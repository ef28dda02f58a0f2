"""The command line as a whole (lunarmap/cli/__init__.py): ``python -m lunarmap``, the installed ``lunarmap``
command, one module per command, and a library that never imports the command line.

Each command's own behaviour is tested in tests/test_cli_<command>.py, the output
formatting in tests/test_cli_output.py.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pyproj import Geod

from lunarmap import cli
from lunarmap.cli import main
from lunarmap.crs import MOON_RADIUS_M
from lunarmap.sites import load_sites

from .conftest import PROJECT_ROOT

GEOD = Geod(a=MOON_RADIUS_M, b=MOON_RADIUS_M)
PACKAGE = PROJECT_ROOT / "lunarmap"
COMMAND_NAMES = ["sites", "distances", "fetch", "zones", "prepare", "terrain", "visibility", "compare", "region-stats", "best-sites",
                 "measure", "profile", "tiles"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def python_m(*argv: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lunarmap", *argv], cwd=cwd, capture_output=True, text=True)


# --- python -m lunarmap -----------------------------------------------------------------------------------

def test_distances_json__geodesic_on_moon_sphere_as_python_m_lunarmap():
    proc = subprocess.run(
        [sys.executable, "-m", "lunarmap", "distances", "chang-e-4", "chang-e-6", "chandrayaan-3", "--format", "json"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True,
    )
    doc = json.loads(proc.stdout)
    assert doc["units"] == "km" and "1,737,400 m" in doc["method"]
    pairs = {(p["from"], p["to"]): p["distance_km"] for p in doc["pairs"]}
    assert set(pairs) == {("chang-e-4", "chang-e-6"), ("chang-e-4", "chandrayaan-3"), ("chang-e-6", "chandrayaan-3")}
    catalog = load_sites()
    for (a, b), d_km in pairs.items():
        _, _, ref = GEOD.inv(*catalog[a].lonlat, *catalog[b].lonlat)
        assert d_km == pytest.approx(ref / 1000.0, abs=0.001)
    assert pairs[("chang-e-4", "chang-e-6")] == pytest.approx(632, abs=1)
    for sid, d_km in doc["to_pole_km"].items():
        _, _, ref = GEOD.inv(*catalog[sid].lonlat, 0.0, -90.0)
        assert d_km == pytest.approx(ref / 1000.0, abs=0.001)


def test_python_m_lunarmap__help_names_itself_and_lists_every_command():
    proc = python_m("--help")
    assert proc.returncode == 0 and proc.stdout.startswith("usage: python -m lunarmap ")
    for name in COMMAND_NAMES:
        assert f"\n    {name} " in proc.stdout or f"\n    {name}\n" in proc.stdout   # a long name: help below


def test_python_m_lunarmap__bad_input_exits_2_with_the_message_and_no_traceback():
    proc = python_m("distances", "chang-e-4", "nowhere")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: unknown site id 'nowhere'; known ids: ") and "Traceback" not in proc.stderr


def test_python_m_lunarmap__no_command_is_a_usage_error():
    proc = python_m()
    assert proc.returncode == 2 and "usage: python -m lunarmap " in proc.stderr
    assert "the following arguments are required: COMMAND" in proc.stderr


def test_bad_catalogue_path_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "--sites", str(tmp_path / "none.geojson"), "sites")
    assert code == 2 and "does not exist; check the path" in err


def test_zones_check_without_an_action_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["zones"])
    assert exc.value.code == 2 and "usage: lunarmap zones " in capsys.readouterr().err


# --- the installed lunarmap command ---------------------------------------------------------------------

def _installed_command() -> Path | None:
    """The ``lunarmap`` console script installed beside this Python, if any."""
    folder = Path(sys.executable).parent
    for name in ("lunarmap", "lunarmap.exe"):
        if (folder / name).is_file():
            return folder / name
    return None


def test_installed_lunarmap_command__runs_from_any_folder(tmp_path):
    """After the README's install, ``lunarmap`` is a command; CI (env CI set) must have it."""
    command = _installed_command()
    if command is None:
        if os.environ.get("CI"):
            pytest.fail(f"no lunarmap command beside {sys.executable}: the README install (pip install ... -e .) "
                        "did not install it")
        pytest.skip("lunarmap is not installed in this environment (pip install -r requirements.txt -e .)")
    proc = subprocess.run([str(command), "distances", "chang-e-4", "chang-e-6", "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["pairs"][0]["distance_km"] == pytest.approx(631.727, abs=1e-3)
    proc = subprocess.run([str(command), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: lunarmap ")
    proc = subprocess.run([str(command), "sites", "--sites", "x"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 2


def test_pyproject__declares_the_command_a_build_system_and_every_package():
    doc = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    assert doc["project"]["scripts"] == {"lunarmap": "lunarmap.cli:main"}
    assert doc["build-system"]["build-backend"] == "setuptools.build_meta"
    assert doc["tool"]["setuptools"]["packages"]["find"]["include"] == ["lunarmap*", "lunarmap_ui*"]
    assert doc["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    module, _, func = doc["project"]["scripts"]["lunarmap"].partition(":")
    assert module == cli.__name__ and getattr(cli, func) is main


def _fenced_lines(text: str, marker: str) -> list[str]:
    """Command lines (comments stripped) of the first ```bash block containing ``marker``."""
    for block in text.split("```bash\n")[1:]:
        body = block.split("```", 1)[0]
        if marker in body:
            return [line.split("#", 1)[0].strip() for line in body.splitlines() if line.split("#", 1)[0].strip()]
    raise AssertionError(f"no ```bash block with {marker!r}")


def test_ci_runs_exactly_the_readme_install_command():
    readme = _fenced_lines((PROJECT_ROOT / "README.md").read_text(), "# install")
    install = [line for line in readme if line.startswith("pip ")]
    ci = (PROJECT_ROOT / ".ci" / "run").read_text()
    section = ci.split("# --- README: install ---\n", 1)[1].split("# --- README: test ---", 1)[0]
    assert [line.strip() for line in section.splitlines() if line.strip()] == install
    assert install == ["pip install -r requirements-dev.txt -e ."]


# --- one module per command; the library never imports the command line ------------------------------

def test_every_command_module_registers_one_command():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert list(sub.choices) == COMMAND_NAMES
    for module in cli.COMMANDS:
        assert module.__name__.startswith("lunarmap.cli.") and callable(module.register)
        assert Path(module.__file__).parent == PACKAGE / "cli"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """lunarmap modules imported anywhere in a module (function-level imports too; not TYPE_CHECKING ones)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return {m for m in found if m in known and m != name}


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def test_library_modules_never_import_the_command_line_or_argparse():
    graph = _import_graph()
    library = {m: deps for m, deps in graph.items() if not (m == "lunarmap.cli" or m.startswith("lunarmap.cli."))
               and m != "lunarmap.__main__"}
    assert len(library) > 30
    offenders = {m: sorted(d for d in deps if d.startswith("lunarmap.cli")) for m, deps in library.items()}
    assert {m: d for m, d in offenders.items() if d} == {}
    with_argparse = [m for m in library if "argparse" in _modules()[m].read_text()]
    assert with_argparse == []


def test_no_import_cycles_in_the_package():
    """No module reaches itself through imports, lazy function-level ones included (compare <-> export was one)."""
    graph = _import_graph()
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                walk(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            walk(m)
    assert cycles == []
    assert "lunarmap.compare" in graph["lunarmap.cli.compare"] and "lunarmap.export" not in graph["lunarmap.compare"]


def test_the_library_never_imports_streamlit():
    """lunarmap/ is importable and testable without Streamlit: no module imports it, lazily or not."""

    def streamlit_imports(path: Path) -> list[int]:
        lines = []
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                lines.append(node.lineno)
        return lines

    found = {name: streamlit_imports(path) for name, path in _modules().items()}
    assert len(found) > 30
    assert {m: lines for m, lines in found.items() if lines} == {}


def test_modules_over_about_400_lines_say_why_at_their_top():
    """The house limit: a Python module of the library or the page over about 400 lines says at its top why
    (a "Size:" paragraph in its docstring, naming the seam to move out), and none grows past 460 lines."""
    root = Path(__file__).resolve().parent.parent
    files = sorted([*root.glob("lunarmap/**/*.py"), *root.glob("lunarmap_ui/**/*.py"), root / "dashboard.py", root / "app.py"])
    assert len(files) > 60
    sizes = {p.relative_to(root).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in files}
    unexplained = [name for name, n in sizes.items()
                   if n > 410 and not any(line.startswith("Size:")
                                          for line in (ast.get_docstring(ast.parse((root / name).read_text())) or "").splitlines())]
    assert unexplained == []
    assert {name: n for name, n in sizes.items() if n > 460} == {}
