"""Run ``python app.py`` as a real server on a free loopback port, for browser and HTTP tests."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(index: Path, corpus: Path, log: Path, timeout: float = 60, args: tuple[str, ...] = ()):
    """``python app.py ARGS`` on a free port; returns (process, url) once it answers HTTP."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    handle = log.open("w")
    proc = subprocess.Popen([sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port),
                             "--index", str(index), "--corpus", str(corpus), *args], cwd=ROOT, env=env,
                            stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"app did not start within {timeout} s:\n{log.read_text()}")


def wait_ready(url: str, timeout: float = 120) -> None:
    """Wait until the server's index is ready: ``POST /api/ask`` stops answering 503."""
    deadline = time.monotonic() + timeout
    while True:
        request = urllib.request.Request(url.rstrip("/") + "/api/ask", b'{"question": ""}',
                                         {"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=10)
            return
        except urllib.error.HTTPError as exc:
            if exc.code != 503:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the index of {url} was not ready within {timeout} s")
        time.sleep(0.3)


def stop_app(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
