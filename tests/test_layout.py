"""The package's floors: no module imports, at import time, a folder that stands above its own.

Lower floors first. A module may import its own floor and any floor below it. Imports inside functions
(a heavy, optional path such as exporting a graph on first use) are not import-time edges and are not
checked here; ``test_serving_imports_no_torch`` checks the one that matters for a lean start.
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
    {"pretrained", "confidence", "classifier", "artifacts", "explanations"},
    {"models"},
    {"llm"},
    {"registry"},
    {"labelling"},
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


def import_time_edges():
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).with_suffix("")
        own = relative.parts[0]
        for node in ast.parse(path.read_text()).body:  # module level only
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + (
                    [f"{node.module}.{a.name}" for a in node.names] if node.module == "emotion" else []
                )
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                part = top_part(target)
                if part and part != own:
                    yield str(relative), own, part


def test_every_folder_and_module_stands_on_a_floor():
    for path in PACKAGE.iterdir():
        if path.name.startswith((".", "_")) and path.name != "__main__.py" and path.name != "__init__.py":
            continue
        if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists()):
            floor_of(path.stem)


def test_no_module_imports_a_higher_floor():
    upward = [
        f"{module} imports emotion.{target}"
        for module, own, target in import_time_edges()
        if floor_of(target) > floor_of(own)
    ]
    assert not upward, "\n".join(upward)


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
