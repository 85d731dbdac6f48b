"""The import-layer contract (README, 开发说明 › 分层): every import of a qjtitle module, at module
level or inside a function, points to the same layer or one below it, and no import cycle exists.

Read from the source with ``ast`` (nothing is imported), so an import added inside a function to
dodge a cycle at run time is caught too."""

from __future__ import annotations

import ast
from pathlib import Path

import qjtitle

PACKAGE = Path(qjtitle.__file__).parent

# Highest first. A module belongs to the first entry whose name it is or lies under.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("cli", ("qjtitle.cli", "qjtitle.__main__")),
    ("demo", ("qjtitle.demo",)),
    ("filing", ("qjtitle.filing",)),
    (
        "proceedings",
        (
            "qjtitle.meeting.proceedings",
            "qjtitle.meeting.voting",
            "qjtitle.meeting.results",
            "qjtitle.meeting.sheets",
        ),
    ),
    (
        "draw",
        ("qjtitle.experts.drawing", "qjtitle.experts.draw_record", "qjtitle.experts.draw_answers"),
    ),
    (
        "calendar",
        (
            "qjtitle.calendar.plan",
            "qjtitle.calendar.schedule",
            "qjtitle.calendar.yearview",
            "qjtitle.calendar.yearpage",
            "qjtitle.calendar.timeline",
            "qjtitle.calendar.milestones",
            "qjtitle.calendar.findings",
            "qjtitle.calendar.reminders",
        ),
    ),
    (
        "experts",
        (
            "qjtitle.experts.pool",
            "qjtitle.experts.pool_format",
            "qjtitle.experts.eligible",
            "qjtitle.experts.recusal",
        ),
    ),
    ("meeting", ("qjtitle.meeting.record",)),
    ("intake", ("qjtitle.intake",)),
    ("committees", ("qjtitle.committees",)),
    ("store", ("qjtitle.store",)),
    (
        "base",
        (
            "qjtitle.errors",
            "qjtitle.rules",
            "qjtitle.paths",
            "qjtitle.privacy",
            "qjtitle.idcard",
            "qjtitle.models",
            "qjtitle.portrait",
            "qjtitle.documents",
            "qjtitle.documents.dates",
            "qjtitle.documents.names",
            "qjtitle.documents.sandbox",
            "qjtitle.documents.folders",
            "qjtitle.documents.render",
            "qjtitle.documents.docxzip",
            "qjtitle.documents.catalogue",
            "qjtitle.documents.wordstyle",
            "qjtitle.spreadsheets",
            "qjtitle.spreadsheets.bounds",
            "qjtitle.spreadsheets.dates",
            "qjtitle.spreadsheets.reading",
            "qjtitle.spreadsheets.tables",
            "qjtitle.spreadsheets.text",
            "qjtitle.spreadsheets.writing",
            "qjtitle.calendar.workdays",
            "qjtitle.experts.draw",
            "qjtitle.experts.draw_inputs",
            "qjtitle.experts.unit_cap",
            "qjtitle.experts.draw_verify",
            "qjtitle.meeting.tally",
            "qjtitle.meeting.assignment",
            "qjtitle.verify_record",
            "qjtitle.when",
            "qjtitle.intake",
            "qjtitle.calendar",
            "qjtitle.experts",
            "qjtitle.meeting",
            "qjtitle",
        ),
    ),
]
# The packages' __init__ files (docstrings only) sit in base; a base entry names one module.


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


def layer_of(module: str) -> int:
    """The layer of ``module``: the entry of LAYERS that names it most closely (an entry names a
    module and everything under it; the base layer names its modules one by one)."""
    best: tuple[int, int] | None = None
    for index, (layer, names) in enumerate(LAYERS):
        for entry in names:
            exact = module == entry
            under = module.startswith(entry + ".") and layer != "base"
            if (exact or under) and (best is None or len(entry) > best[0]):
                best = (len(entry), index)
    assert best is not None, f"{module} is in no layer: add it to LAYERS in tests/test_layers.py"
    return best[1]


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


def test_no_import_points_up() -> None:
    upward = [
        f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})"
        for name, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if layer_of(target) < layer_of(name)
    ]
    assert upward == []


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
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

    for v in sorted(GRAPH):
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
    for name in ("qjtitle.verify_record", "qjtitle.privacy", "qjtitle.rules", "qjtitle.errors"):
        assert GRAPH[name] == set(), name


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
