"""The package's floors: no module imports a folder that stands above its own, and no import loop.

Lower floors first. A module may import its own floor and any floor below it. Every import counts, at module level
or inside a function (a heavy, optional path such as exporting a graph on first use is still an edge of the graph);
``test_serving_imports_no_torch`` checks what matters for a lean start.
"""

from __future__ import annotations

import ast
import os
import pathlib
import subprocess
import sys

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "emotion"

FLOORS = [
    {"config", "labels"},
    {"io"},
    {"pretrained", "confidence", "classifier", "artifacts", "explanations", "jobs"},
    {"graphs"},
    {"models"},
    {"llm"},
    {"registry", "checks"},
    {"labelling", "themes"},
    {"evaluation"},
    {"insights"},
    {"training"},
    {"exporters"},
    {"dashboard", "bench"},
    {"cli", "__main__", "__init__"},
]


def floor_of(part: str) -> int:
    for index, names in enumerate(FLOORS):
        if part in names:
            return index
    raise AssertionError(f"emotion.{part} stands on no floor: add it to FLOORS")


def top_part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "emotion" and len(parts) > 1 else None


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported_modules(path: pathlib.Path):
    """Every package module ``path`` imports, at any level (``from emotion import x`` names ``emotion.x``)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("emotion"):
            targets = [f"{node.module}.{a.name}" for a in node.names] + ([node.module] * (node.module != "emotion"))
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names if alias.name.startswith("emotion")]
        else:
            continue
        for target in targets:
            while target not in MODULES and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in MODULES and target != "emotion":
                yield target


def import_graph() -> dict[str, set[str]]:
    return {name: set(imported_modules(path)) - {name} for name, path in MODULES.items()}


def import_edges():
    for name, targets in import_graph().items():
        own = top_part(name) or "__init__"
        for target in targets:
            part = top_part(target)
            if part and part != own:
                yield name, own, part


def test_every_folder_and_module_stands_on_a_floor():
    for path in PACKAGE.iterdir():
        if path.name.startswith((".", "_")) and path.name != "__main__.py" and path.name != "__init__.py":
            continue
        if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists()):
            floor_of(path.stem)


def test_no_module_imports_a_higher_floor():
    upward = [
        f"{module} imports emotion.{target}"
        for module, own, target in import_edges()
        if floor_of(target) > floor_of(own)
    ]
    assert not upward, "\n".join(upward)


def test_the_import_graph_has_no_loop():
    """Every import, function-level included: no module reaches itself (Tarjan's strongly connected components)."""
    graph = import_graph()
    index, low, stack, on_stack, loops = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while not component or component[-1] != node:
                component.append(stack.pop())
                on_stack.discard(component[-1])
            if len(component) > 1:
                loops.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not loops, loops


def test_the_layout_check_sees_function_level_imports(tmp_path):
    """The check reads imports inside functions: a planted upward import is found."""
    planted = tmp_path / "planted.py"
    planted.write_text("def f():\n    from emotion.training.loop import TrainArgs\n")
    assert set(imported_modules(planted)) == {"emotion.training.loop"}


def test_each_folder_says_what_it_holds():
    for folder in PACKAGE.iterdir():
        if folder.is_dir() and (folder / "__init__.py").exists():
            assert ast.get_docstring(ast.parse((folder / "__init__.py").read_text())), folder.name


def test_nothing_in_the_package_imports_streamlit():
    for path in PACKAGE.rglob("*.py"):
        assert "import streamlit" not in path.read_text(), path


def test_serving_imports_no_torch_nor_sets_the_callers_environment():
    """Labelling with the default model (ONNX Runtime, its graph already exported) never imports torch, so the CLI
    starts lean; importing the package leaves the caller's environment as it was."""
    export = "from emotion import registry; registry.load('encoder-fast')"  # exports the graph on first use
    subprocess.run([sys.executable, "-c", export], capture_output=True, check=True)
    code = (
        "import os, sys; before = dict(os.environ); from emotion import registry; "
        "from emotion.labelling.local import label_file; registry.load('encoder-fast').classify(['fine']); "
        "print('torch' in sys.modules, dict(os.environ) == before)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_VERBOSITY")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.split() == ["False", "True"], out.stderr[-2000:]
