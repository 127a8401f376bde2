"""Scale benchmark of the dense and lexical indexes on synthetic data.

Dense: ``N`` random unit vectors (float32, dim 384, ``numpy.random.default_rng(seed)``), indexed with
the library's ``index.vectors.build_faiss`` as flat (exact), HNSW (M=32; efSearch 64 / 128) and IVF
(nlist ~ 4*sqrt(N); nprobe 16 / 32 / 64), tuned with ``index.vectors.tune`` and searched with
``index.vectors.search`` one query at a time (k=10) with ``faiss.omp_set_num_threads(1)``.
Queries: ``--queries`` random unit vectors plus as many perturbed copies of stored vectors
(cosine ~0.89 to their source), so recall is measured both where the neighbours are barely
closer than the rest (uniform random data is the worst case for any approximate index) and where
a clear nearest neighbour exists. Recall@10 is against exact search (ties within 1e-5 count).

Lexical: ``index.lexical.LexicalIndex.build`` (bm25s) over generated text (Zipf-distributed
pseudo-words, ~120 words a chunk): build time and query latency of ``LexicalIndex.scores``
plus a top-10 selection.

Default sizes 10k and 100k chunks (a few minutes); ``--full`` adds 1M (opt-in: ~1.5 GB of vectors,
several GB peak, long index builds).

Run:  .venv/bin/python bench/bench_scale.py [--sizes 10000 100000] [--full] [--queries 200] [--out FILE]
"""
from __future__ import annotations

import argparse
import gc
import math
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from bench.common import (Timer, latency_stats, loadavg, machine_info, peak_rss_mb, print_table, reset_peak_rss,
                          rss_mb, write_json)

KINDS = ("flat", "hnsw", "ivf")
TIE = 1e-5


def unit_rows(rng: np.random.Generator, n: int, dim: int, block: int = 100_000) -> np.ndarray:
    """``n`` random unit vectors (float32), generated in blocks to bound temporary memory."""
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, block):
        part = rng.standard_normal((min(block, n - start), dim), dtype=np.float32)
        part /= np.linalg.norm(part, axis=1, keepdims=True)
        out[start: start + len(part)] = part
    return out


class Clustered:
    """Structured synthetic embeddings: Gaussian clusters in a low-dimensional latent space,
    randomly projected to ``dim`` and normalised, plus a little isotropic noise. Closer to real
    sentence embeddings (low intrinsic dimension, topical clusters) than uniform random vectors;
    an assumption, not a measurement of real data."""

    def __init__(self, rng: np.random.Generator, dim: int, clusters: int, latent: int, spread: float = 0.6,
                 noise: float = 0.15):
        self.rng, self.dim, self.spread, self.noise = rng, dim, spread, noise
        self.centers = rng.standard_normal((clusters, latent), dtype=np.float32)
        self.projection = np.linalg.qr(rng.standard_normal((dim, latent)))[0].T.astype(np.float32)

    def rows(self, n: int, block: int = 100_000) -> np.ndarray:
        out = np.empty((n, self.dim), dtype=np.float32)
        for start in range(0, n, block):
            m = min(block, n - start)
            z = self.centers[self.rng.integers(0, len(self.centers), m)]
            z = z + self.spread * self.rng.standard_normal(z.shape, dtype=np.float32)
            part = z @ self.projection + self.noise * self.rng.standard_normal((m, self.dim), dtype=np.float32)
            part /= np.linalg.norm(part, axis=1, keepdims=True)
            out[start: start + m] = part
        return out


def make_queries(rng: np.random.Generator, vectors: np.ndarray, count: int, noise: float = 0.5, fresh=None):
    """``count`` random queries (uniform unit vectors, or new draws of ``fresh``) and ``count``
    perturbed stored vectors (with their sources)."""
    dim = vectors.shape[1]
    random_q = fresh(count) if fresh is not None else unit_rows(rng, count, dim)
    sources = rng.choice(len(vectors), size=count, replace=False)
    perturbed = vectors[sources] + noise * unit_rows(rng, count, dim)
    perturbed /= np.linalg.norm(perturbed, axis=1, keepdims=True)
    return np.vstack([random_q, perturbed]).astype(np.float32), sources


def exact_topk(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top-k (a multithreaded batch flat search, used as ground truth)."""
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    scores, ids = index.search(queries, k)
    del index
    return scores, ids


def recall(vectors, queries, returned: list[np.ndarray], gt_scores: np.ndarray, k: int) -> np.ndarray:
    """Per-query recall@k vs exact search; a returned id whose exact score ties the k-th best
    (within 1e-5) counts as correct, so float rounding between code paths is not a miss."""
    out = np.empty(len(queries))
    for i, (q, ids) in enumerate(zip(queries, returned)):
        ids = ids[ids >= 0]
        true = vectors[ids] @ q if len(ids) else np.zeros(0)
        out[i] = min(k, int((true >= gt_scores[i, k - 1] - TIE).sum())) / k
    return out


def index_bytes(index) -> int:
    """Size of the serialised index (written to a temp file, so no in-memory copy)."""
    import faiss

    with tempfile.NamedTemporaryFile(suffix=".faiss") as handle:
        faiss.write_index(index, handle.name)
        return os.path.getsize(handle.name)


def search_configs(kind: str, efs: list[int], nprobes: list[int]) -> list[dict]:
    if kind == "hnsw":
        return [{"ef_search": ef} for ef in efs]
    if kind == "ivf":
        return [{"nprobe": p} for p in nprobes]
    return [{}]


def bench_dense(size: int, args) -> list[dict]:
    import faiss

    from index import vectors as faiss_ops

    rng = np.random.default_rng(args.seed)
    with Timer() as gen_t:
        if args.data == "clustered":
            model = Clustered(rng, args.dim, args.clusters, args.latent_dim)
            vectors = model.rows(size)
            queries, sources = make_queries(rng, vectors, args.queries, fresh=model.rows)
        else:
            vectors = unit_rows(rng, size, args.dim)
            queries, sources = make_queries(rng, vectors, args.queries)
    faiss.omp_set_num_threads(args.build_threads)
    with Timer() as gt_t:
        gt_scores, gt_ids = exact_topk(vectors, queries, args.k)
    print(f"[{size:,}] data {gen_t.seconds:.1f}s, exact ground truth {gt_t.seconds:.1f}s")
    n_random = args.queries
    nlist = max(1, round(4 * math.sqrt(size)))
    rows = []
    for kind in args.kinds:
        if kind == "hnsw" and size > args.hnsw_max:
            print(f"[{size:,}] hnsw skipped (size > --hnsw-max {args.hnsw_max:,})")
            rows.append({"size": size, "kind": kind, "skipped": f"size > --hnsw-max {args.hnsw_max}"})
            continue
        gc.collect()
        faiss.omp_set_num_threads(args.build_threads)
        reset_peak_rss()
        before = rss_mb()
        with Timer() as build_t:
            index = faiss_ops.build_faiss(vectors, kind, args.hnsw_m, nlist)
        after = rss_mb()
        build_peak = peak_rss_mb()
        nbytes = index_bytes(index)
        params = {"hnsw": {"M": args.hnsw_m, "efConstruction": getattr(getattr(index, "hnsw", None), "efConstruction", None)},
                  "ivf": {"nlist": getattr(index, "nlist", None)}}.get(kind, {})
        print(f"[{size:,}] {kind} built in {build_t.seconds:.1f}s ({build_t.cpu:.1f} CPU s), {nbytes / 2**20:.0f} MiB")
        faiss.omp_set_num_threads(1)
        for config in search_configs(kind, args.ef, args.nprobe):
            faiss_ops.tune(index, config.get("ef_search", 128), config.get("nprobe", 32))
            for q in queries[: min(20, len(queries))]:  # warm-up
                faiss_ops.search(index, q, args.k)
            seconds, returned = [], []
            for _ in range(args.repeat):
                returned = []
                for q in queries:
                    start = time.perf_counter()
                    _, ids = faiss_ops.search(index, q, args.k)
                    seconds.append(time.perf_counter() - start)
                    returned.append(ids)
            per_query = recall(vectors, queries, returned, gt_scores, args.k)
            top1 = float(np.mean([len(r) and r[0] == s for r, s in zip(returned[n_random:], sources)]))
            row = {"size": size, "data": args.data, "kind": kind, **params, **config,
                   "build_s": round(build_t.seconds, 3), "build_cpu_s": round(build_t.cpu, 3),
                   "index_mib": round(nbytes / 2**20, 1), "rss_delta_mib": round(after - before, 1),
                   "build_peak_rss_mib": build_peak,
                   **latency_stats(seconds),
                   "recall_at_k": round(float(per_query.mean()), 4),
                   "recall_random_q": round(float(per_query[:n_random].mean()), 4),
                   "recall_perturbed_q": round(float(per_query[n_random:].mean()), 4),
                   "top1_source_perturbed_q": round(top1, 4)}
            rows.append(row)
            label = ", ".join(f"{k}={v}" for k, v in config.items())
            print(f"[{size:,}] {kind} {label}: p50 {row['p50_ms']:.3f} ms, recall@{args.k} {row['recall_at_k']:.3f}")
        del index
        gc.collect()
    del vectors
    gc.collect()
    return rows


# ---------------------------------------------------------------- BM25

SYLLABLES = [c + v for c in "bcdfghjklmnprstvz" for v in "aeiou"]


def vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    """``size`` distinct pronounceable pseudo-words of 2-4 syllables."""
    words: set[str] = set()
    while len(words) < size:
        count = int(rng.integers(2, 5))
        words.add("".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), count)))
    return sorted(words)


def bench_bm25(size: int, args) -> dict:
    from index.lexical import LexicalIndex

    rng = np.random.default_rng(args.seed + 1)
    with Timer() as gen_t:
        vocab = np.array(vocabulary(rng, args.vocab))
        weights = 1.0 / np.arange(1, len(vocab) + 1) ** 1.07
        weights /= weights.sum()
        lengths = np.clip(rng.normal(120, 30, size).astype(int), 20, 300)
        words = vocab[rng.choice(len(vocab), size=int(lengths.sum()), p=weights)]
        ends = np.cumsum(lengths)
        texts = [" ".join(words[e - n: e]) for e, n in zip(ends, lengths)]
        picks = rng.choice(size, args.queries, replace=False)
        queries = [" ".join(rng.choice(texts[i].split(), size=int(rng.integers(3, 7)), replace=False)) for i in picks]
    del words
    gc.collect()
    reset_peak_rss()
    before = rss_mb()
    with Timer() as build_t:
        lexical = LexicalIndex.build(texts)
    after, peak = rss_mb(), peak_rss_mb()
    for q in queries[:20]:
        lexical.scores(q)
    seconds = []
    for _ in range(args.repeat):
        for q in queries:
            start = time.perf_counter()
            scores = lexical.scores(q)
            top = np.argpartition(-scores, args.k - 1)[: args.k]
            top[np.argsort(-scores[top])]
            seconds.append(time.perf_counter() - start)
    row = {"size": size, "words": int(lengths.sum()), "vocab": args.vocab, "generate_s": round(gen_t.seconds, 3),
           "build_s": round(build_t.seconds, 3), "rss_delta_mib": round(after - before, 1), "build_peak_rss_mib": peak,
           **latency_stats(seconds)}
    print(f"[{size:,}] bm25 built in {build_t.seconds:.1f}s; query p50 {row['p50_ms']:.2f} ms")
    del lexical, texts
    gc.collect()
    return row


# ---------------------------------------------------------------- recommendation

def recommend(rows: list[dict], min_recall: float, exact_ok_ms: float) -> dict:
    """Per size: flat when exact search is already fast, else the fastest configuration whose
    recall@k reaches ``min_recall`` (or the best-recall one, flagged, when none does)."""
    out = {}
    for size in sorted({r["size"] for r in rows}):
        measured = [r for r in rows if r["size"] == size and "p50_ms" in r]
        flat = next((r for r in measured if r["kind"] == "flat"), None)
        if flat and flat["p50_ms"] <= exact_ok_ms:
            out[size] = {"kind": "flat", "why": f"exact search p50 {flat['p50_ms']:.2f} ms <= {exact_ok_ms} ms: no need to approximate"}
            continue
        good = [r for r in measured if r["kind"] != "flat" and r["recall_at_k"] >= min_recall]
        if good:
            best = min(good, key=lambda r: r["p50_ms"])
            note = f"fastest with recall@10 >= {min_recall}: p50 {best['p50_ms']:.2f} ms, recall {best['recall_at_k']:.3f}"
        else:
            approx = [r for r in measured if r["kind"] != "flat"] or measured
            best = max(approx, key=lambda r: (r["recall_at_k"], -r["p50_ms"]))
            note = (f"no approximate configuration reached recall {min_recall} on this "
                    f"data; best recall {best['recall_at_k']:.3f} at p50 {best['p50_ms']:.2f} ms"
                    + (f"; flat p50 {flat['p50_ms']:.2f} ms" if flat else ""))
        params = {k: best[k] for k in ("M", "ef_search", "nlist", "nprobe") if best.get(k) is not None}
        out[size] = {"kind": best["kind"], **params, "why": note}
    return out


def parse_sizes(values: list[str]) -> list[int]:
    sizes = []
    for value in values:
        for part in value.replace(",", " ").split():
            part = part.lower().replace("_", "")
            mult = 1_000_000 if part.endswith("m") else 1_000 if part.endswith("k") else 1
            sizes.append(int(float(part.rstrip("mk")) * mult))
    return sizes


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["10000", "100000"], help="chunk counts (e.g. 10k 100k)")
    parser.add_argument("--full", action="store_true", help="also run 1M chunks (opt-in: long, several GB of RAM)")
    parser.add_argument("--queries", type=int, default=200, help="random queries (plus as many perturbed copies)")
    parser.add_argument("--data", choices=("uniform", "clustered"), default="uniform",
                        help="uniform random unit vectors (worst case), or clustered low-intrinsic-dimension vectors")
    parser.add_argument("--clusters", type=int, default=1000, help="clusters of --data clustered")
    parser.add_argument("--latent-dim", type=int, default=32, help="latent dimension of --data clustered")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="timed passes over the queries")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--ef", type=int, nargs="+", default=[64, 128], help="HNSW efSearch values")
    parser.add_argument("--nprobe", type=int, nargs="+", default=[16, 32, 64], help="IVF nprobe values")
    parser.add_argument("--hnsw-max", type=int, default=None,
                        help="skip HNSW above this size (default: 200k for uniform data, whose HNSW build at 1M takes "
                             "well over 10 min on 2 cores; no limit for clustered data)")
    parser.add_argument("--build-threads", type=int, default=os.cpu_count() or 1, help="FAISS threads while building")
    parser.add_argument("--bm25-sizes", nargs="+", help="BM25 sizes (default: the sizes up to 100k)")
    parser.add_argument("--no-bm25", action="store_true")
    parser.add_argument("--vocab", type=int, default=30_000, help="pseudo-word vocabulary of the BM25 corpus")
    parser.add_argument("--min-recall", type=float, default=0.95)
    parser.add_argument("--exact-ok-ms", type=float, default=10.0, help="recommend flat while its p50 is at most this")
    parser.add_argument("--out", type=Path, help="JSON output (default bench/results/bench_scale.json)")
    args = parser.parse_args(argv)

    import faiss

    if args.hnsw_max is None:
        args.hnsw_max = 200_000 if args.data == "uniform" else 10**12
    sizes = parse_sizes(args.sizes)
    if args.full and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    bm25_sizes = [] if args.no_bm25 else (parse_sizes(args.bm25_sizes) if args.bm25_sizes else [s for s in sizes if s <= 100_000])
    result: dict = {
        "machine": machine_info(),
        "settings": {"sizes": sizes, "data": args.data,
                     **({"clusters": args.clusters, "latent_dim": args.latent_dim} if args.data == "clustered" else {}),
                     "queries_random": args.queries, "queries_perturbed": args.queries, "dim": args.dim,
                     "k": args.k, "seed": args.seed, "repeat": args.repeat, "hnsw_m": args.hnsw_m, "ef_search": args.ef,
                     "nprobe": args.nprobe, "ivf_nlist": "round(4*sqrt(N))", "faiss": faiss.__version__,
                     "faiss_search_threads": 1, "faiss_build_threads": args.build_threads, "hnsw_max": args.hnsw_max},
    }
    dense: list[dict] = []
    started = time.perf_counter()
    for size in sizes:
        dense.extend(bench_dense(size, args))
    result["dense"] = dense
    result["bm25"] = [bench_bm25(size, args) for size in bm25_sizes]
    result["recommendation"] = recommend(dense, args.min_recall, args.exact_ok_ms)
    big = [r for r in dense if r.get("size") == 1_000_000 and r.get("kind") != "flat" and "p50_ms" in r]
    if big:
        result["targets"] = {"1M_approx_recall_ge_0.95_p50_le_20ms":
                             any(r["recall_at_k"] >= 0.95 and r["p50_ms"] <= 20 for r in big)}
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["peak_rss_mib"] = peak_rss_mb()
    result["loadavg_at_end"] = loadavg()

    rows = []
    for r in dense:
        if "p50_ms" not in r:
            rows.append([f"{r['size']:,}", r["kind"], "skipped", None, None, None, None, None, None, None, None])
            continue
        param = (f"efS={r['ef_search']}" if "ef_search" in r else f"nprobe={r['nprobe']}/{r['nlist']}" if "nprobe" in r else "exact")
        rows.append([f"{r['size']:,}", r["kind"], param, r["build_s"], r["index_mib"], r["p50_ms"], r["p95_ms"],
                     r["recall_at_k"], r["recall_random_q"], r["recall_perturbed_q"], r["top1_source_perturbed_q"]])
    print_table(f"Dense indexes, {args.data} data, dim {args.dim}, k={args.k}, one query at a time, faiss.omp_set_num_threads(1) for search "
                f"({args.build_threads} threads to build)",
                ["N", "index", "search param", "build s", "index MiB", "p50 ms", "p95 ms", "recall@10",
                 "recall rnd q", "recall pert q", "top1 pert q"], rows)
    if result["bm25"]:
        print_table("BM25 (bm25s via LexicalIndex) on generated text", ["N", "words", "build s", "RSS +MiB", "p50 ms", "p95 ms"],
                    [[f"{r['size']:,}", r["words"], r["build_s"], r["rss_delta_mib"], r["p50_ms"], r["p95_ms"]] for r in result["bm25"]])
    print_table("Recommended index type", ["N", "index", "why"],
                [[f"{size:,}", " ".join([rec["kind"]] + [f"{k}={v}" for k, v in rec.items() if k not in ("kind", "why")]),
                  rec["why"]] for size, rec in result["recommendation"].items()])
    if "targets" in result:
        print(f"1M target (approximate index, recall >= 0.95, p50 <= 20 ms): "
              f"{'met' if result['targets']['1M_approx_recall_ge_0.95_p50_le_20ms'] else 'NOT met'}")
    path = write_json("bench_scale", result, args.out)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
