"""The apps form layers and imports only go down (docs/STYLE: "Layers between apps").

The source is read with `ast`, never imported, so a violation is found even in a module no
test happens to load. Four rules:

1. no import cycle between modules of different apps (a strongly connected component of
   the module graph that spans two apps), whether the imports are at the top of the module
   or inside a function;
2. no import of another app's module inside a function, unless the import carries a
   `# layering: <why>` comment (on its own line or the line just above): a function-local
   import kept only to dodge a cycle means the layering is wrong;
3. no import going up the layers accounts/project < privacy < photos < suggestions, except
   from the composition root (project.urls, project.api_urls, project.celery), which wires
   every app together;
4. no module over MAX_ANALYSIS_LINES lines under photos/analysis/.

The checks are plain functions over a folder, tested on small made-up trees below, so
each rule is shown to fail before it is trusted to pass on the real tree.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "project", "privacy", "photos", "suggestions")
LAYER = {"accounts": 0, "project": 0, "privacy": 1, "photos": 2, "suggestions": 3}
COMPOSITION_ROOT = {"project.urls", "project.api_urls", "project.celery"}
MARKER = "# layering:"
ANALYSIS_PACKAGE = "photos/analysis"
MAX_ANALYSIS_LINES = 400


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (resolved to a module of the tree)
    path: str  # the importing file, relative to the root
    line: int
    local: bool  # inside a function
    justified: bool  # carries a `# layering:` comment
    type_only: bool  # under `if TYPE_CHECKING:`

    def __str__(self):
        return f"{self.path}:{self.line} {self.source} -> {self.target}"


def app_of(module: str) -> str:
    return module.split(".", 1)[0]


def module_files(root: Path) -> dict[str, Path]:
    """Every module of the apps, by dotted name (no migrations, no tests)."""
    modules = {}
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts or "tests" in parts or parts[-1].startswith("test_"):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _resolve(name: str, modules: dict) -> str | None:
    """The deepest module of the tree that `name` names (photos.models.Photo -> photos.models)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


DYNAMIC_IMPORTERS = {"import_module", "import_string", "__import__"}


def _dynamic_import(node) -> str | None:
    """The dotted name in import_module("x.y"), import_string("x.y.Z") or __import__("x")."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    first = node.args[0]
    if name in DYNAMIC_IMPORTERS and isinstance(getattr(first, "value", None), str):
        return first.value.split(":", 1)[0]
    return None


def imports_of(module: str, path: Path, modules: dict, root: Path) -> list[Import]:
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    is_package = path.name == "__init__.py"
    found = []

    def justified(node) -> bool:
        first = node.lineno - 1
        span = lines[max(first - 1, 0) : node.end_lineno]
        # The line above counts only if it is a comment of its own.
        if first >= 1 and not lines[first - 1].lstrip().startswith("#"):
            span = span[1:]
        return any(MARKER in text for text in span)

    def add(node, name, local, type_only):
        target = _resolve(name, modules)
        if target is None or target == module:
            return
        found.append(
            Import(
                source=module,
                target=target,
                path=str(path.relative_to(root)),
                line=node.lineno,
                local=local,
                justified=justified(node),
                type_only=type_only,
            )
        )

    def visit(node, local, type_only):
        for child in ast.iter_child_nodes(node):
            child_local = local or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            child_type_only = type_only or (isinstance(child, ast.If) and _is_type_checking(child))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    add(child, alias.name, local, type_only)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    package = module.split(".") if is_package else module.split(".")[:-1]
                    base = package[: len(package) - (child.level - 1)]
                    prefix = ".".join(base + ([child.module] if child.module else []))
                else:
                    prefix = child.module or ""
                for alias in child.names:
                    # `from photos import media` imports the module photos.media.
                    add(child, f"{prefix}.{alias.name}" if prefix else alias.name, local, type_only)
            elif (name := _dynamic_import(child)) is not None:
                # import_module("photos.tasks") is an import all the same, and always a
                # late one: it counts as function-local wherever it is written.
                add(child, name, True, type_only)
            visit(child, child_local, child_type_only)

    visit(tree, False, False)
    return found


def import_graph(root: Path) -> list[Import]:
    modules = module_files(root)
    edges = []
    for module, path in modules.items():
        edges.extend(imports_of(module, path, modules, root))
    return edges


def _strongly_connected(nodes, successors) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph has a few hundred modules)."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(successors.get(start, ())))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
    return result


def cross_app_cycles(edges: list[Import]) -> list[str]:
    successors: dict[str, set[str]] = {}
    for edge in edges:
        if edge.type_only:
            continue
        successors.setdefault(edge.source, set()).add(edge.target)
    nodes = sorted(set(successors) | {t for ts in successors.values() for t in ts})
    problems = []
    for component in _strongly_connected(nodes, successors):
        if len({app_of(m) for m in component}) > 1:
            members = set(component)
            links = sorted(str(e) for e in edges if e.source in members and e.target in members)
            problems.append("cycle " + " <-> ".join(component) + ":\n    " + "\n    ".join(links))
    return problems


def unjustified_local_imports(edges: list[Import]) -> list[str]:
    crossing = (e for e in edges if app_of(e.source) != app_of(e.target))
    return sorted({str(e) for e in crossing if e.local and not e.justified})


def upward_imports(edges: list[Import]) -> list[str]:
    return sorted(
        str(e)
        for e in edges
        if e.source not in COMPOSITION_ROOT and LAYER[app_of(e.source)] < LAYER[app_of(e.target)]
    )


def long_analysis_modules(root: Path, limit: int = MAX_ANALYSIS_LINES) -> list[str]:
    package = root / ANALYSIS_PACKAGE
    if not package.is_dir():
        return [f"{ANALYSIS_PACKAGE}/ does not exist yet"]
    return sorted(
        f"{path.relative_to(root)}: {count} lines"
        for path in package.rglob("*.py")
        if (count := len(path.read_text().splitlines())) > limit
    )


def _report(title: str, problems: list[str]) -> str:
    return f"{title} ({len(problems)}):\n  " + "\n  ".join(problems)


# --- The real tree ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def edges():
    return import_graph(ROOT)


def test_it_reads_the_imports_of_the_real_tree(edges):
    # A checker that found no import at all would pass every rule below.
    pairs = {(e.source, e.target) for e in edges}
    assert ("photos.models", "accounts.models") in pairs or any(
        s.startswith("photos.") and t.startswith("privacy.") for s, t in pairs
    )
    assert len(edges) > 100


def test_it_finds_no_import_cycle_between_apps(edges):
    problems = cross_app_cycles(edges)
    assert not problems, _report("Import cycles spanning apps", problems)


def test_it_finds_no_function_local_import_of_another_app(edges):
    problems = unjustified_local_imports(edges)
    assert not problems, _report(
        f"Function-local imports of another app without '{MARKER} <why>'", problems
    )


def test_it_finds_no_import_going_up_the_layers(edges):
    problems = upward_imports(edges)
    assert not problems, _report(
        "Imports going up (accounts/project < privacy < photos < suggestions)", problems
    )


def test_it_keeps_every_analysis_module_short():
    problems = long_analysis_modules(ROOT)
    assert not problems, _report(f"Modules over {MAX_ANALYSIS_LINES} lines", problems)


# --- The checker itself, on made-up trees -----------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for app in APPS:
        (tmp_path / app).mkdir(exist_ok=True)
        (tmp_path / app / "__init__.py").touch()
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_it_sees_a_cycle_between_apps_even_through_a_function_local_import(tmp_path):
    root = _tree(
        tmp_path,
        {
            "privacy/services.py": "from photos import pipeline\n",
            "photos/pipeline.py": "def run():\n    from privacy.services import x\n",
        },
    )
    problems = cross_app_cycles(import_graph(root))
    assert len(problems) == 1
    assert "photos.pipeline <-> privacy.services" in problems[0]


def test_it_allows_a_cycle_inside_one_app(tmp_path):
    root = _tree(
        tmp_path,
        {
            "photos/tasks.py": "from photos import pipeline\n",
            "photos/pipeline.py": "def run():\n    from photos.tasks import x\n",
        },
    )
    assert cross_app_cycles(import_graph(root)) == []


def test_it_ignores_imports_needed_only_by_type_checkers_for_cycles(tmp_path):
    root = _tree(
        tmp_path,
        {
            "privacy/records.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from photos.models import Photo\n",
            "photos/models.py": "from privacy import records\n",
        },
    )
    assert cross_app_cycles(import_graph(root)) == []


def test_it_flags_a_function_local_import_of_another_app_unless_justified(tmp_path):
    root = _tree(
        tmp_path,
        {
            "suggestions/views.py": (
                "def a():\n"
                "    from photos.models import Photo\n"
                "def b():\n"
                "    from photos import media  # layering: lazy, the worker is heavy\n"
                "def c():\n"
                "    # layering: imported when the command runs, not at startup\n"
                "    import photos.ml\n"
                "def d():\n"
                "    from suggestions import render\n"
            ),
            "photos/models.py": "",
            "photos/media.py": "",
            "photos/ml.py": "",
            "suggestions/render.py": "",
        },
    )
    problems = unjustified_local_imports(import_graph(root))
    assert problems == ["suggestions/views.py:2 suggestions.views -> photos.models"]


def test_it_counts_an_import_by_name_as_a_function_local_import(tmp_path):
    root = _tree(
        tmp_path,
        {
            "privacy/services.py": (
                "import importlib\n"
                "from django.utils.module_loading import import_string\n"
                "TASKS = importlib.import_module('photos.tasks')\n"
                "def run():\n"
                "    return import_string('suggestions.services.erase')\n"
                "def ok():\n"
                "    return import_string('privacy.tasks.purge')  # same app\n"
            ),
            "photos/tasks.py": "",
            "suggestions/services.py": "",
            "privacy/tasks.py": "",
        },
    )
    edges = import_graph(root)
    assert unjustified_local_imports(edges) == [
        "privacy/services.py:3 privacy.services -> photos.tasks",
        "privacy/services.py:5 privacy.services -> suggestions.services",
    ]
    assert len(upward_imports(edges)) == 2


def test_it_flags_imports_going_up_but_not_from_the_composition_root(tmp_path):
    root = _tree(
        tmp_path,
        {
            "privacy/api.py": "from photos.models import Photo\nfrom accounts import models\n",
            "photos/services.py": "from . import models\nimport suggestions.tasks\n",
            "project/urls.py": "from suggestions import api\n",
            "suggestions/tasks.py": "",
            "suggestions/api.py": "",
            "photos/models.py": "",
            "accounts/models.py": "",
        },
    )
    problems = upward_imports(import_graph(root))
    assert problems == [
        "photos/services.py:2 photos.services -> suggestions.tasks",
        "privacy/api.py:1 privacy.api -> photos.models",
    ]


def test_it_resolves_relative_imports(tmp_path):
    root = _tree(
        tmp_path,
        {
            "photos/analysis/__init__.py": "",
            "photos/analysis/queue.py": "from ..models import Photo\nfrom . import runner\n",
            "photos/analysis/runner.py": "",
            "photos/models.py": "",
        },
    )
    pairs = {(e.source, e.target) for e in import_graph(root)}
    assert ("photos.analysis.queue", "photos.models") in pairs
    assert ("photos.analysis.queue", "photos.analysis.runner") in pairs


def test_it_flags_a_long_analysis_module(tmp_path):
    root = _tree(
        tmp_path,
        {
            "photos/analysis/__init__.py": "",
            "photos/analysis/runner.py": "x = 1\n" * 401,
            "photos/analysis/queue.py": "x = 1\n" * 400,
        },
    )
    assert long_analysis_modules(root) == ["photos/analysis/runner.py: 401 lines"]
