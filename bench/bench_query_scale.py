"""How ``ask`` scales with the corpus: p50/p95 at the bundled corpus (~1.7k chunks) and at a
synthetic index of ``--chunks`` (default 100k) made from it.

The synthetic index repeats the real index's documents under new names until it holds the
requested number of chunks; each copy's chunk and unit vectors are the originals plus a little
Gaussian noise, renormalised (so no two rows are equal), and BM25 and FAISS (flat) are built over
all of them with the library (``LexicalIndex.build``, ``build_faiss``, ``write_index``). This is an
**assumption** about what a 100k-chunk corpus looks like (many near-duplicate passages), not a
measurement on 100k real chunks. Every call is fresh (query cache cleared); torch (and FAISS,
since issue 19) use ``query_threads`` (1) as ``ask`` does. ``first ask s`` is the first question
after loading, which also builds the catalog and the cross-survey view.

``--baseline DIR`` also times the code checked out in DIR (``git worktree add DIR <commit>``) on
the same questions and indexes, in a subprocess run right after this code's timing of each index,
so that before and after see about the same background load (recorded per row).

Run:  .venv/bin/python bench/bench_query_scale.py [--index-dir DIR] [--large-dir DIR] [--chunks 100000]
                                                  [--limit 60] [--baseline DIR]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_query import time_method
from bench.common import (CORPUS, DEV_SET, Timer, latency_stats, loadavg, machine_info, peak_rss_mb, print_table,
                          reset_peak_rss, write_json)


COLUMNS = ["index", "code", "chunks", "first ask s", "p50 ms", "p95 ms", "mean ms", "max ms", "n", "peak RSS MiB", "load"]


def table_rows(result: dict) -> list[list]:
    """The result table's rows (also rendered by ``bench/report.py``), the baseline's under this code's."""
    rows = []
    for default, key in (("bundled corpus", "small"), ("synthetic", "large")):
        name = result[key].get("name", default)
        for code, r in (("this", result[key]), ("baseline", result.get("baseline", {}).get(key))):
            if r:
                load = "–".join(f"{a[0]:.1f}" for a in r.get("loadavg", []))
                rows.append([name, code, result[key]["chunks"], r.get("first_ask_s", ""), r["p50_ms"], r["p95_ms"],
                             r["mean_ms"], r["max_ms"], r["n"], r["peak_rss_mb"], load])
    return rows


def _noisy(vectors: np.ndarray, rng: np.random.Generator, scale: float = 0.02) -> np.ndarray:
    out = vectors + rng.normal(0.0, scale, vectors.shape).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def synthesise(source_dir: Path, target_dir: Path, chunks: int, seed: int = 0) -> dict:
    """A synthetic index of at least ``chunks`` chunks in ``target_dir``, copied from the index in ``source_dir``."""
    from index.lexical import LexicalIndex
    from index.store import load_index, write_index
    from index.vectors import build_faiss

    store = load_index(source_dir)
    rng = np.random.default_rng(seed)
    copies = -(-chunks // len(store.chunks))
    all_chunks, documents, vectors, units, offsets = [], [], [], [], [0]
    manifest_docs = {}
    for copy in range(copies):
        rename = {d: (d if copy == 0 else f"copy{copy:03d}-{d}") for d in store.documents}
        for old, new in rename.items():
            doc = store.documents[old]
            documents.append(dataclasses.replace(doc, doc=new))
            manifest_docs[new] = {**store.manifest["documents"][old]}
        for position, chunk in enumerate(store.chunks):
            all_chunks.append(dataclasses.replace(chunk, doc=rename[chunk.doc], id=f"{chunk.id}-{copy:03d}"))
            offsets.append(offsets[-1] + len(store.units_of_chunk(position)))
        vectors.append(store.vectors if copy == 0 else _noisy(store.vectors, rng))
        units.append(store.unit_vectors if copy == 0 else _noisy(store.unit_vectors, rng))
    with Timer() as bm25_t:
        lexical = LexicalIndex.build([c.search_text() for c in all_chunks])
    matrix = np.vstack(vectors).astype(np.float32)
    manifest = {key: value for key, value in store.manifest.items() if key not in ("documents", "counts", "files")}
    manifest.update(documents=manifest_docs, counts={"documents": len(documents), "chunks": len(all_chunks)})
    with Timer() as write_t:
        write_index(target_dir, manifest, all_chunks, documents, matrix, build_faiss(matrix, "flat"), lexical,
                    np.vstack(units), np.asarray(offsets, np.int64))
    return {"source_chunks": len(store.chunks), "chunks": len(all_chunks), "documents": len(documents), "bm25_build_s": round(bm25_t.seconds, 3),
            "write_s": round(write_t.seconds, 3)}


def time_ask(index_dir: Path, questions: list[str], repeat: int) -> dict:
    from surveyqa.service import SurveyQA
    from core.settings import load_settings

    reset_peak_rss()
    started = loadavg()
    with Timer() as first_t:
        qa = SurveyQA(load_settings(index_dir=index_dir))
        qa.ask(questions[0])
    embedder = qa.retriever.embedder
    for question in questions[1:5]:  # warm-up
        qa.ask(question)
    embedder.forget_queries()
    seconds = time_method(qa.ask, questions, repeat, embedder, fresh=True)
    return {"chunks": len(qa.retriever.chunks), "first_ask_s": round(first_t.seconds, 3), **latency_stats(seconds),
            "peak_rss_mb": peak_rss_mb(), "loadavg": [started, loadavg()]}


_BASELINE = """import json, sys
from pathlib import Path
from bench.bench_query_scale import time_ask
from index.embeddings import set_query_threads
from core.settings import load_settings
args = json.load(sys.stdin)
set_query_threads(load_settings().query_threads)
print(json.dumps(time_ask(Path(args["index"]), args["questions"], args["repeat"])))
"""


def time_baseline(code: Path, index_dir: Path, questions: list[str], repeat: int) -> dict:
    """:func:`time_ask` as the code checked out in ``code`` runs it, in a subprocess importing that code."""
    env = {**os.environ, "PYTHONPATH": str(code.resolve())}
    started = loadavg()
    done = subprocess.run([sys.executable, "-c", _BASELINE], input=json.dumps(
        {"index": str(index_dir.resolve()), "questions": questions, "repeat": repeat}), env=env, cwd=code,
        capture_output=True, text=True, check=True)
    return {"loadavg": [started, loadavg()], **json.loads(done.stdout.strip().splitlines()[-1])}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, help="the small index (built there from data/corpus if missing; "
                        "the table names it by its folder)")
    parser.add_argument("--large-dir", type=Path, help="the large index: synthetic, built there if missing (default: a "
                        "temporary one), or any index already there (named by its folder)")
    parser.add_argument("--chunks", type=int, default=100_000, help="size of the synthetic index")
    parser.add_argument("--baseline", type=Path, help="a checkout of other code to time side by side")
    parser.add_argument("--questions", type=Path, default=DEV_SET)
    parser.add_argument("--limit", type=int, default=60, help="questions asked (the first N of the gold set)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, help="JSON output (default bench/results/bench_query_scale.json)")
    args = parser.parse_args(argv)

    from evaluation.gold import load_gold
    from index.build import build_index
    from index.embeddings import set_query_threads
    from core.settings import load_settings

    questions = [item.question for item in load_gold(args.questions)][: args.limit]
    set_query_threads(load_settings().query_threads)
    work = Path(tempfile.mkdtemp(prefix="surveyqa-bench-scale-"))
    result: dict = {"machine": machine_info(), "questions": len(questions), "repeat": args.repeat}
    try:
        small = args.index_dir or work / "small"
        if not (small / "CURRENT").exists():
            build_index([CORPUS], load_settings(index_dir=small))
        large = args.large_dir or work / "large"
        if not (large / "CURRENT").exists():
            result["synthetic_build"] = synthesise(small, large, args.chunks)
        for key, index_dir, given in (("small", small, args.index_dir), ("large", large, args.large_dir)):
            result[key] = time_ask(index_dir, questions, args.repeat)
            if given:
                result[key]["name"] = index_dir.name  # the caller's folder, which may hold any corpus
            if args.baseline:
                result.setdefault("baseline", {"code": str(args.baseline)})[key] = time_baseline(
                    args.baseline, index_dir, questions, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["targets"] = {"ask_p50_le_50ms_at_large": result["large"]["p50_ms"] <= 50}
    result["loadavg_at_end"] = loadavg()
    print_table("ask, fresh questions", COLUMNS, table_rows(result))
    print(f"target ask p50 <= 50 ms at {result['large']['chunks']} chunks: "
          f"{'met' if result['targets']['ask_p50_le_50ms_at_large'] else 'NOT met'}")
    path = write_json("bench_query_scale", result, args.out)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
