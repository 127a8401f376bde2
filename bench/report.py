"""Render the JSON results in bench/results/ as Markdown tables (the ones pasted in bench/README.md).

Run:  .venv/bin/python bench/report.py [--results DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RESULTS = Path(__file__).resolve().parent / "results"


def md(columns: list[str], rows: list[list]) -> str:
    def cell(v):
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
        return "-" if v is None else str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def ingest(d: dict) -> str:
    if "seed" in d:  # the per-corpus format of bench_ingest.py since issue 19
        from bench.bench_ingest import INGEST_COLUMNS, table_rows

        return md(INGEST_COLUMNS, table_rows(d)) + f"\n\nload average {d['machine'].get('loadavg_at_start')} at start, " \
            f"{d.get('loadavg_at_end')} at end; run {d['machine']['date']}."
    c, f, u, t = d["cold"], d["floor"], d["unchanged"], d["one_doc_changed"]
    rows = [["model load + first encode (untimed below)", d["model"]["load_s"] + d["model"]["first_encode_s"], None, None, None,
             d["model"]["rss_after_mb"], ""],
            ["(a) cold `build_index`", c["wall_s"], c["cpu_s"], c["chunks"], c["embedded"], c["peak_rss_mb"],
             ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in c["phases"].items())],
            ["(b) floor: `parse_file` + one `encode` call", f["floor_s"], f["floor_cpu_s"], f["chunks"], f["chunks"], f["peak_rss_mb"],
             f"parse {f['parse_s']:.2f} s, embed {f['embed_one_call_s']:.2f} s"]]
    if "embed_batched_calls_s" in f:
        rows.append(["(b') floor embed in 64-chunk calls", f["embed_batched_calls_s"], f["embed_batched_calls_cpu_s"], f["chunks"],
                     f["chunks"], None, ""])
    if "langchain" in d:
        lc = d["langchain"]
        rows.append(["(c) LangChain splitter 1000/200 + FAISS.from_documents", lc["wall_s"], lc["cpu_s"], lc["chunks"], lc["chunks"],
                     lc["peak_rss_mb"], f"split {lc['split_s']:.2f} s"])
    rows.append(["(d) re-ingest, corpus unchanged", u["wall_s"], u["cpu_s"], u["chunks"], u["embedded"], u["peak_rss_mb"], u["note"]])
    rows.append([f"(e) re-ingest, one doc changed ({t['touched']})", t["wall_s"], t["cpu_s"], t["chunks"], t["embedded"],
                 t["peak_rss_mb"], ", ".join(f"{k[:-2]} {v:.2f} s" for k, v in t["phases"].items())])
    out = md(["phase", "wall s", "CPU s", "chunks", "embedded", "peak RSS MiB", "detail"], rows)
    out += (f"\n\ncold / floor = **{d['cold_over_floor']:.2f}x** wall, {d['cold_over_floor_cpu']:.2f}x CPU seconds; "
            f"load average {d['machine'].get('loadavg_at_start')} at start, {d.get('loadavg_at_end')} at end; "
            f"run {d['machine']['date']}.")
    return out


def query(d: dict) -> str:
    rows = []
    for name, entry in d["latency"].items():
        for variant, s in entry.items():
            rows.append([f"{name} ({variant})", s["p50_ms"], s["p95_ms"], s["mean_ms"], s["max_ms"], s["n"]])
    for name, s in d.get("embed_query", {}).items():
        rows.append([f"embedder.encode([question]), torch {name.replace('_', ' ')}", s["p50_ms"], s["p95_ms"], s["mean_ms"],
                     s["max_ms"], s["n"]])
    out = md(["method", "p50 ms", "p95 ms", "mean ms", "max ms", "n"], rows)
    r = d["rss_mb"]
    out += (f"\n\n{d['questions']} questions x {d['repeat']} timed passes, k={d['k']}, torch threads {d.get('torch_threads')}; "
            f"RSS {r.get('index_and_langchain_loaded', r.get('before_load'))} MiB with index, model and LangChain store loaded, "
            f"peak {r['peak_during_queries']} MiB; load average {d['machine'].get('loadavg_at_start')} -> {d.get('loadavg_at_end')}; "
            f"run {d['machine']['date']}.")
    return out


def scale(d: dict) -> str:
    rows = []
    for r in d["dense"]:
        if "p50_ms" not in r:
            rows.append([f"{r['size']:,}", r["kind"], "skipped: " + r.get("skipped", ""), *[None] * 8])
            continue
        param = f"efSearch {r['ef_search']}" if "ef_search" in r else f"nprobe {r['nprobe']} / nlist {r['nlist']}" if "nprobe" in r else "exact"
        rows.append([f"{r['size']:,}", r["kind"], param, r["build_s"], r["index_mib"], r["p50_ms"], r["p95_ms"], r["recall_at_k"],
                     r["recall_random_q"], r["recall_perturbed_q"], r["top1_source_perturbed_q"]])
    out = md(["N", "index", "search param", "build s", "index MiB", "p50 ms", "p95 ms", "recall@10", "recall, random q",
              "recall, perturbed q", "top-1 = source (perturbed q)"], rows)
    if d.get("bm25"):
        out += "\n\nBM25 (`LexicalIndex.build`, bm25s) on generated text:\n\n" + md(
            ["N", "words", "build s", "RSS + MiB", "query p50 ms", "query p95 ms"],
            [[f"{r['size']:,}", f"{r['words']:,}", r["build_s"], r["rss_delta_mib"], r["p50_ms"], r["p95_ms"]] for r in d["bm25"]])
    out += "\n\nRecommendation:\n\n" + md(["N", "index", "why"], [
        [f"{int(size):,}", " ".join([rec["kind"]] + [f"{k}={v}" for k, v in rec.items() if k not in ("kind", "why")]), rec["why"]]
        for size, rec in d["recommendation"].items()])
    s = d["settings"]
    out += (f"\n\n{s.get('data', 'uniform')} data, {s['queries_random']} random + {s['queries_perturbed']} perturbed queries, "
            f"search threads {s['faiss_search_threads']}, build threads {s['faiss_build_threads']}; total {d.get('total_s')} s, "
            f"peak RSS {d.get('peak_rss_mib')} MiB; load average {d['machine'].get('loadavg_at_start')} -> {d.get('loadavg_at_end')}; "
            f"run {d['machine']['date']}.")
    return out


HTTP_COLUMNS = ["endpoint", "filter", "query threads", "ask processes", "query precision", "clients", "n", "errors",
                "p50 ms", "p95 ms", "max ms", "req/s", "answer p50 ms", "answer p95 ms", "load (1 min)"]


def http_rows(d: dict) -> list[list]:
    """One row per bench_http configuration (also printed by bench_http.py)."""
    return [[r["endpoint"], r["filter"], r["query_threads"] or "torch default", r.get("ask_processes", 0),
             r.get("query_precision", "fp32"), r["clients"], r["n"], r["errors"],
             r["p50_ms"], r["p95_ms"], r["max_ms"], r["req_per_s"], r.get("answer_p50_ms"), r.get("answer_p95_ms"),
             f"{r['loadavg_start'][0]} -> {r['loadavg_end'][0]}"] for r in d["runs"]]


def http(d: dict) -> str:
    s = d["settings"]
    return (md(HTTP_COLUMNS, http_rows(d))
            + f"\n\n{s['questions']} questions about {s['doc']}, each request a new question, k={s['k']}, {s['mode']}; "
              f"at most {s['requests']} requests or {s['max_seconds']:.0f} s per row; run {d['machine']['date']}.")


def query_scale(d: dict) -> str:
    from bench.bench_query_scale import COLUMNS, table_rows

    return md(COLUMNS, table_rows(d)) + \
        f"\n\nrun {d['machine']['date']}, load average {d['machine'].get('loadavg_at_start')} -> {d.get('loadavg_at_end')}."


RENDERERS = {"bench_ingest": ingest, "bench_query_scale": query_scale, "bench_query": query, "bench_http": http}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for path in sorted(args.results.glob("*.json")):
        d = json.loads(path.read_text())
        render = next((r for prefix, r in RENDERERS.items() if path.stem.startswith(prefix)), scale)  # longest prefix first
        print(f"### {path.name}\n\n{render(d)}\n")


if __name__ == "__main__":
    main()
