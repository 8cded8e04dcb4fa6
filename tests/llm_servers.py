"""Servers for the LLM tests: llama.cpp with a request counter, and a small faulty OpenAI-like server."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen | None = None, timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            from emotion.llm.server import died_because

            code = process.returncode
            raise RuntimeError(f"server died: {died_because(-code)}" if code < 0 else f"server exited with {code}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"server at {url} did not come up in {timeout:.0f} s")


def stats(port: int) -> dict:
    return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5).read())


def start_llama(port: int) -> subprocess.Popen:
    """llama-cpp-python serving SmolLM2 as ``smollm2-135m``, with ``/stats`` counting chat requests."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.llm_servers", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_until_up(f"http://127.0.0.1:{port}/stats", process)
    return process


def _serve_llama(port: int) -> None:
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    from emotion.llm.server import smollm2_gguf

    app = create_app(
        server_settings=ServerSettings(host="127.0.0.1", port=port),
        model_settings=[
            ModelSettings(model=str(smollm2_gguf()), model_alias="smollm2-135m", n_ctx=2048, n_threads=2, verbose=False)
        ],
    )
    counts = {"requests": 0, "active": 0, "max_active": 0}
    lock = threading.Lock()

    @app.middleware("http")
    async def count(request, call_next):
        if not request.url.path.endswith("/chat/completions"):
            return await call_next(request)
        with lock:
            counts["requests"] += 1
            counts["active"] += 1
            counts["max_active"] = max(counts["max_active"], counts["active"])
        try:
            return await call_next(request)
        finally:
            with lock:
                counts["active"] -= 1

    @app.get("/stats")
    def get_stats() -> dict:
        return counts

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


class FaultyServer:
    """An OpenAI-like chat endpoint that misbehaves on purpose.

    Modes: ``garbage`` (200 with a non-JSON body), ``error500``, ``slow`` (answers after ``delay`` s),
    ``auth`` (401 echoing the key it was sent), ``flaky`` (500 for the first ``failures`` requests, then a
    valid answer), ``ok`` (valid answer ``joy``, or what ``answer(request body)`` returns).
    """

    def __init__(self, mode: str, delay: float = 5.0, failures: int = 2, answer=None) -> None:
        self.mode, self.delay, self.failures, self.requests = mode, delay, failures, 0
        self.answer = answer or (lambda _body: '{"emotion": "joy"}')
        self.active = self.max_active = 0  # requests being answered now, and the most at once
        lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _send(self, code: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if server.mode == "auth":
                    self._send(401, b'{"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}')
                else:
                    self._send(200, b'{"object": "list", "data": []}')

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests += 1
                mode = server.mode
                if mode == "flaky":
                    mode = "error500" if server.requests <= server.failures else "ok"
                if mode == "garbage":
                    self._send(200, b"<html>definitely not json", "text/html")
                elif mode == "error500":
                    self._send(500, b'{"error": {"message": "boom", "type": "server_error"}}')
                elif mode == "auth":
                    key = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    message = f"Incorrect API key provided: {key}"
                    self._send(
                        401,
                        json.dumps(
                            {"error": {"message": message, "type": "invalid_request_error", "code": "invalid_api_key"}}
                        ).encode(),
                    )
                else:
                    if mode == "slow":
                        with lock:
                            server.active += 1
                            server.max_active = max(server.max_active, server.active)
                        time.sleep(server.delay)
                        with lock:
                            server.active -= 1
                    answer = {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 0,
                        "model": "m",
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "logprobs": None,
                                "message": {"role": "assistant", "content": server.answer(body)},
                            }
                        ],
                    }
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self._send(200, json.dumps(answer).encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":
    _serve_llama(int(sys.argv[1]))
