"""Latency of the running UI's HTTP APIs under concurrent clients, on loopback.

Starts the real server (``python app.py`` via ``tests/ui/server.py``) on an existing index, then
sends questions from 1 and from 8 concurrent clients, each client with its own connection, without
and with a survey filter, to two endpoints side by side: Gradio's ``/ask`` through ``gradio_client``
(Gradio's queue; the client polls its messages every 50 ms, which adds to every request) and the plain
JSON route ``POST /api/ask`` through one ``http.client`` keep-alive connection per client thread
(``ui/api.py``: no queue, at most one answer per core at once; this client spends about 0.7 ms of CPU
a request, ``httpx`` 3.5-5, on the cores the server uses). Both return the same record.

Every request is a question the server has not seen (``Q<n>: `` + a dev question about ``--doc``), so
each pays for its query embedding, as new questions do; the server's embedder caches repeats. Each
``--query-threads`` value gets its own server (default ``1 0``: the setting's default and torch's),
all started together, and each configuration runs on each server in turn, so that both see the same
background load; so does each ``--query-precision`` value (default ``auto``), and each
``--ask-processes`` value (default ``0 2``: answers in the server's process, and in 2 answer processes).
Requests and time are bounded per configuration (``--requests``, ``--max-seconds``).
The clients run on the same machine as the server. ``answer p50/p95`` is the ``latency_ms`` of the
returned records: the time spent answering inside the server.

Run:  .venv/bin/python bench/bench_http.py [--index-dir var/index] [--clients 1 8] [--requests 80]
      [--query-threads 1 0] [--ask-processes 0 2] [--query-precision auto int8] [--out FILE]
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import CORPUS, DEV_SET, REPO, latency_stats, loadavg, machine_info, print_table, write_json
from bench.report import HTTP_COLUMNS, http_rows
from tests.ui.server import start_app, stop_app, wait_ready

K, MODE = 5, "hybrid"
REQUEST_TIMEOUT_S = 60


def questions_about(path: Path, doc: str) -> list[str]:
    """Questions of a gold JSONL whose evidence is all in ``doc`` (all questions if none is)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    about = [r["question"] for r in rows if {e["doc"] for e in r.get("evidence", [])} == {doc}]
    return about or [r["question"] for r in rows]


def indexed_documents(index_dir: Path) -> list[str]:
    """The document names in the index's manifest (the UI's survey list)."""
    from index.store import current_version

    return sorted(json.loads((current_version(index_dir) / "manifest.json").read_text())["documents"])


def gradio_caller(url: str):
    """``(question, docs) -> record`` through Gradio's ``/ask`` on its own ``gradio_client`` connection."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    return lambda question, docs: client.submit(question, K, MODE, docs, api_name="/ask").result(
        timeout=REQUEST_TIMEOUT_S)


def json_caller(url: str):
    """``(question, docs) -> record`` through ``POST /api/ask`` on its own keep-alive connection."""
    from http.client import HTTPConnection
    from urllib.parse import urlsplit

    from ui.api import ASK_PATH

    connection = HTTPConnection(urlsplit(url).hostname, urlsplit(url).port, timeout=REQUEST_TIMEOUT_S)

    def call(question: str, docs) -> dict:
        body = json.dumps({"question": question, "k": K, "mode": MODE, "docs": docs})
        connection.request("POST", ASK_PATH, body, {"Content-Type": "application/json"})
        reply = connection.getresponse()
        data = reply.read()
        if reply.status != 200:
            raise RuntimeError(f"HTTP {reply.status}: {data[:150]!r}")
        return json.loads(data)

    return call


CALLERS = {"/ask": gradio_caller, "/api/ask": json_caller}


def run_load(url: str, endpoint: str, docs, clients: int, questions: list[str], tags: itertools.count,
             requests: int, max_seconds: float) -> dict:
    """``requests`` calls shared by ``clients`` concurrent clients (or fewer, once ``max_seconds`` pass)."""
    connections = [CALLERS[endpoint](url) for _ in range(clients)]
    lock, seconds, answering, errors = threading.Lock(), [], [], []
    budget = iter(range(requests))
    deadline = time.monotonic() + max_seconds

    def client_loop(call) -> None:
        while time.monotonic() < deadline:
            with lock:
                if next(budget, None) is None:
                    return
                n = next(tags)
            started = time.perf_counter()
            try:
                reply = call(f"Q{n}: {questions[n % len(questions)]}", docs)
                seconds.append(time.perf_counter() - started)
                answering.append(reply["latency_ms"] / 1000)
            except Exception as exc:  # counted, with the first messages kept
                errors.append(f"{type(exc).__name__}: {exc}"[:200])

    load_start = loadavg()
    wall = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client_loop, connections))
    wall = time.perf_counter() - wall
    row = {"endpoint": endpoint, "filter": ", ".join(docs) if docs else "none", "clients": clients,
           **latency_stats(seconds), "errors": len(errors), "error_samples": errors[:3],
           "req_per_s": round(len(seconds) / wall, 2) if wall else None, "wall_s": round(wall, 2),
           "loadavg_start": load_start, "loadavg_end": loadavg()}
    if answering:
        answer = latency_stats(answering)
        row.update(answer_p50_ms=answer["p50_ms"], answer_p95_ms=answer["p95_ms"])
    return row


@contextmanager
def servers(args, log_dir: Path):
    """One server per ``query_threads`` x ``ask_processes`` x ``query_precision`` value, all up and ready
    at once: ``{(threads, processes, precision): url}``."""
    started = {}
    try:
        for key in itertools.product(args.query_threads, args.ask_processes, args.query_precision):
            threads, processes, precision = key
            os.environ["SURVEYQA_QUERY_THREADS"], os.environ["SURVEYQA_QUERY_PRECISION"] = str(threads), precision
            log = log_dir / f"app-{threads}-{processes}-{precision}.log"
            started[key] = start_app(args.index_dir, args.corpus, log, timeout=180, args=("--ask-processes", str(processes)))
        for _, url in started.values():
            wait_ready(url, 300)
        yield {key: url for key, (_, url) in started.items()}
    finally:
        for proc, _ in started.values():
            stop_app(proc)


def bench(args, questions: list[str], log_dir: Path) -> list[dict]:
    """Every filter x clients configuration on each endpoint and each server in turn, so that the rows compared
    with each other run back to back and see about the same load."""
    tags = itertools.count(1)
    filters = (None, [args.doc])
    with servers(args, log_dir) as urls:
        for url in urls.values():  # warm-up: model, index and code paths loaded before timing
            for endpoint, docs in itertools.product(CALLERS, filters):
                CALLERS[endpoint](url)(f"warm-up {next(tags)}: {questions[0]}", docs)
        return [{"query_threads": threads, "ask_processes": processes, "query_precision": precision,
                 **run_load(url, endpoint, docs, clients, questions, tags, args.requests, args.max_seconds)}
                for docs in filters for clients in args.clients for endpoint in CALLERS
                for (threads, processes, precision), url in urls.items()]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=REPO / "var" / "index", help="existing index to serve")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="its corpus folder")
    parser.add_argument("--questions", type=Path, default=DEV_SET, help="gold JSONL whose questions are asked")
    parser.add_argument("--doc", default="taming-vlms-medical-image-analysis.txt",
                        help="the survey of the filtered runs; questions about it are asked in every run")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8], help="concurrent clients per configuration")
    parser.add_argument("--requests", type=int, default=80, help="requests per configuration")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time limit per configuration")
    parser.add_argument("--query-threads", type=int, nargs="+", default=[1, 0],
                        help="SURVEYQA_QUERY_THREADS of each server run (0 = torch's default)")
    parser.add_argument("--ask-processes", type=int, nargs="+", default=[0, 2],
                        help="app.py --ask-processes of each server run (0 = answers in the server's process)")
    parser.add_argument("--query-precision", nargs="+", default=["auto"], choices=["auto", "onnx", "bf16", "fp32", "int8"],
                        help="SURVEYQA_QUERY_PRECISION of each server run")
    parser.add_argument("--out", type=Path, help="JSON output (default bench/results/bench_http.json)")
    args = parser.parse_args(argv)

    if args.doc not in indexed_documents(args.index_dir):  # no index fails here too, naming `surveyqa ingest`
        parser.error(f"{args.doc} is not in the index {args.index_dir}")
    questions = questions_about(args.questions, args.doc)
    result: dict = {"machine": machine_info(),
                    "settings": {"index_dir": str(args.index_dir), "questions_file": str(args.questions),
                                 "questions": len(questions), "doc": args.doc, "k": K, "mode": MODE,
                                 "requests": args.requests, "max_seconds": args.max_seconds,
                                 "client": "/api/ask: http.client, one keep-alive connection per client thread"}}
    with tempfile.TemporaryDirectory(prefix="surveyqa-bench-http-") as temp:
        result["runs"] = bench(args, questions, Path(temp))
    result["loadavg_at_end"] = loadavg()
    print_table(f"HTTP APIs on loopback: {len(questions)} questions about {args.doc}, k={K}, each request a new question",
                HTTP_COLUMNS, http_rows(result))
    path = write_json("bench_http", result, args.out)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
