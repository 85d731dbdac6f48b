"""The import-layer contract (README, 开发说明 › 分层), at package level: every package (or
top-level module) of qjtitle sits in one layer; every import, at module level or inside a
function, points to the same layer or one below it; the graph of packages has no cycle, nor has
the graph of modules.

Read from the source with ``ast`` (nothing is imported), so an import added inside a function to
dodge a cycle at run time is caught too."""

from __future__ import annotations

import ast
from pathlib import Path

import qjtitle

PACKAGE = Path(qjtitle.__file__).parent

# Highest first: each entry names packages (qjtitle/X/) or top-level modules (qjtitle/X.py) by X;
# "qjtitle" is the package's own __init__.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("cli", ("cli", "__main__")),
    ("demo", ("demo",)),
    ("filing", ("filing",)),
    ("the meeting as held", ("meeting",)),
    ("experts and the draw", ("experts",)),
    ("calendar", ("calendar",)),
    ("intake", ("intake",)),
    ("meetings", ("meetings",)),
    ("committees", ("committees",)),
    ("store", ("store",)),
    ("pure rules", ("logic",)),
    (
        "base",
        (
            "documents",
            "spreadsheets",
            "findings",
            "errors",
            "rules",
            "paths",
            "privacy",
            "idcard",
            "models",
            "portrait",
            "when",
            "verify_record",
            "qjtitle",
        ),
    ),
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The qjtitle modules ``name`` imports, anywhere in the file (``from a import b`` counts as
    ``a.b`` when ``b`` is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def unit_of(module: str) -> str:
    """The package or top-level module ``module`` belongs to: ``qjtitle.meeting.voting`` →
    ``meeting``, ``qjtitle.rules`` → ``rules``, ``qjtitle`` → ``qjtitle``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


UNITS = {unit_of(m) for m in MODULES}
UNIT_GRAPH = {
    u: {unit_of(t) for m, ts in GRAPH.items() if unit_of(m) == u for t in ts} - {u} for u in UNITS
}


def layer_of(module: str) -> int:
    """The index in LAYERS of the layer ``module``'s package sits in."""
    unit = unit_of(module)
    found = [i for i, (_, units) in enumerate(LAYERS) if unit in units]
    assert len(found) == 1, f"{unit} is in {len(found)} layers: name it once in LAYERS"
    return found[0]


def test_every_package_sits_in_one_layer() -> None:
    named = [u for _, units in LAYERS for u in units]
    assert sorted(UNITS - set(named)) == [], "add these to LAYERS in tests/test_layers.py"
    assert sorted(set(named) - UNITS) == [], "these in LAYERS no longer exist"
    assert len(named) == len(set(named))


def test_no_import_points_up() -> None:
    upward = [
        f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for name, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if layer_of(target) < layer_of(name)
    ]
    assert upward == []


def test_the_package_graph_is_acyclic() -> None:
    """Packages are layers, not a web: no package imports one that imports it back, directly or
    through others (the package-level graph has no strongly connected component)."""
    assert _components(UNIT_GRAPH) == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module."""
    return _components(GRAPH)


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle() -> None:
    assert _cycles() == []


def test_the_store_layer_does_not_import_its_own_facade() -> None:
    """Inside qjtitle/store/ the modules import qjtitle.store.engine, never the package (whose
    open_store runs the migrations, which sit on top of everything else in the store)."""
    inside = {n: t for n, t in GRAPH.items() if n.startswith("qjtitle.store.")}
    assert {n for n, t in inside.items() if "qjtitle.store" in t} == set()


def test_stand_alone_modules_import_nothing_of_qjtitle() -> None:
    """The published verifier and the one masking are standard library only."""
    for name in ("qjtitle.verify_record", "qjtitle.privacy", "qjtitle.rules"):
        assert GRAPH[name] == set(), name
    # the errors carry findings, which name the rules they rest on
    assert GRAPH["qjtitle.errors"] == {"qjtitle.findings"}
    assert GRAPH["qjtitle.findings"] <= {"qjtitle.rules"}


def test_the_contract_sees_imports_inside_functions() -> None:
    """A guard on the checker itself: cli modules import the library only inside functions."""
    assert "qjtitle.store" in GRAPH["qjtitle.cli.db"]
    assert layer_of("qjtitle.store.audit") > layer_of("qjtitle.intake.applicants")


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Line numbers of the statements inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            for stmt in node.body:
                lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def test_typer_private_modules_are_imported_for_type_checking_only() -> None:
    """``typer._click`` (Click vendored in Typer 0.29) is private: qjtitle names it in annotations
    only, never at run time, and pyproject pins the Typer range the CLI is tested with."""
    from importlib.metadata import version

    at_run_time = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hidden = _type_checking_only(tree)
        for node in ast.walk(tree):
            modules = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else ([a.name for a in node.names] if isinstance(node, ast.Import) else [])
            )
            if any(m.startswith("typer._") for m in modules) and node.lineno not in hidden:
                at_run_time.append(f"{name}:{node.lineno}")
    assert at_run_time == []
    assert '"typer>=0.29,<0.30"' in (PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert version("typer").startswith("0.29.")
