"""Smoke test of the scale benchmark: a tiny run writes the expected JSON (no timing assertions)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_scale_tiny_run_writes_expected_json(tmp_path):
    out = tmp_path / "scale.json"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_scale.py"), "--sizes", "2000", "--queries", "20",
         "--bm25-sizes", "300", "--vocab", "2000", "--build-threads", "1", "--out", str(out)],
        check=True, cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    result = json.loads(out.read_text())
    assert {"machine", "settings", "dense", "bm25", "recommendation"} <= result.keys()
    assert result["settings"]["faiss_search_threads"] == 1
    rows = result["dense"]
    assert {r["kind"] for r in rows} == {"flat", "hnsw", "ivf"}
    keys = {"size", "kind", "build_s", "index_mib", "p50_ms", "p95_ms", "mean_ms", "recall_at_k",
            "recall_random_q", "recall_perturbed_q", "top1_source_perturbed_q"}
    for row in rows:
        assert keys <= row.keys(), row
        assert row["size"] == 2000 and row["n"] == 40
        assert 0.0 <= row["recall_at_k"] <= 1.0
    assert sorted(r["ef_search"] for r in rows if r["kind"] == "hnsw") == [64, 128]
    assert sorted(r["nprobe"] for r in rows if r["kind"] == "ivf") == [16, 32, 64]
    flat = [r for r in rows if r["kind"] == "flat"]
    assert len(flat) == 1 and flat[0]["recall_at_k"] == 1.0 and flat[0]["top1_source_perturbed_q"] == 1.0
    (bm25,) = result["bm25"]
    assert bm25["size"] == 300 and {"build_s", "p50_ms", "p95_ms"} <= bm25.keys()
    assert result["recommendation"]["2000"]["kind"] in {"flat", "hnsw", "ivf"}


def test_bench_http_tiny_run_writes_expected_json(tiny_settings, tmp_path):
    out = tmp_path / "http.json"
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps({"question": q, "evidence": [{"doc": "alpha-survey.txt"}]})
                                   for q in ("What backbone does Quibble use?", "What was Zorblax trained on?")))
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_http.py"), "--index-dir", str(tiny_settings.index_dir),
         "--corpus", str(tiny_settings.corpus_dir), "--questions", str(questions), "--doc", "alpha-survey.txt",
         "--clients", "1", "2", "--requests", "4", "--query-threads", "1", "--ask-processes", "0", "1", "--query-precision", "int8",
         "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert {"machine", "settings", "runs"} <= result.keys() and result["settings"]["questions"] == 2
    runs = result["runs"]
    assert [(r["endpoint"], r["filter"], r["clients"], r["ask_processes"]) for r in runs] == [
        (endpoint, survey, clients, processes) for survey in ("none", "alpha-survey.txt") for clients in (1, 2)
        for endpoint in ("/ask", "/api/ask") for processes in (0, 1)]
    for run in runs:
        assert run["n"] == 4 and run["errors"] == 0, run
        assert {"p50_ms", "p95_ms", "max_ms", "req_per_s", "query_threads"} <= run.keys()
        assert run["query_precision"] == "int8"
