"""Ingest benchmark on the bundled corpus.

Phases, in one process, with the embedding model loaded (and warmed) once before any timing:

a. cold ``build_index`` into a fresh temp index dir (phase split from the progress callback);
b. the floor: parse the same files with ``ingest.pipeline.parse_file``, then embed what the index
   embeds (the chunks' search texts and their answer units, ``index.units``) and nothing else —
   once as a single ``encode`` call, and once in the same 64-text calls ``build_index`` makes;
c. a plain LangChain pipeline on the same files: RecursiveCharacterTextSplitter(1000/200) +
   the same embedder + ``langchain_community`` FAISS.from_documents;
d. incremental re-ingest of the unchanged corpus (second ``build_index``, same dir);
e. re-ingest after one document changed (corpus copied to a temp dir, one line appended);
f. with ``--ray``: a cold ``build_index`` with engine ``ray`` on a local Ray started here (its
   startup timed apart); the actors load the embedding model themselves, inside the timing.

Run:  .venv/bin/python bench/bench_ingest.py [--repeat N] [--out FILE]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (CORPUS, Timer, langchain_documents, langchain_faiss, loadavg, machine_info, peak_rss_mb,
                          print_table, reset_peak_rss, rss_mb, write_json)


class PhaseClock:
    """Progress callback for ``build_index`` that timestamps its phase changes."""

    def __init__(self):
        self.start = time.perf_counter()
        self.marks: dict[str, float] = {}

    def __call__(self, message: str, number: int, total: int) -> None:
        phase = "reading" if message.startswith("reading") else message
        self.marks.setdefault(phase, time.perf_counter())

    def split(self, end: float) -> dict:
        """Seconds spent before embedding (load old index, discover, checksum, parse), embedding,
        and indexing + writing (FAISS, BM25, files, fsync)."""
        embed = self.marks.get("embedding")
        index = self.marks.get("indexing")
        out = {}
        if index is not None:
            out["prepare_s"] = round((embed or index) - self.start, 3)
            if embed is not None:
                out["embed_s"] = round(index - embed, 3)
            out["index_write_s"] = round(end - index, 3)
        return out


def timed_build(paths, settings, embedder, rebuild=False):
    from index.build import build_index

    reset_peak_rss()
    clock = PhaseClock()
    with Timer() as t:
        report = build_index(paths, settings, rebuild=rebuild, progress=clock, embedder=embedder)
    return {
        "wall_s": round(t.seconds, 3),
        "cpu_s": round(t.cpu, 3),
        "peak_rss_mb": peak_rss_mb(),
        "phases": clock.split(clock.start + t.seconds),
        "written": report.written,
        "note": report.note,
        "embedded": report.embedded,
        "added": len(report.added), "updated": len(report.updated),
        "unchanged": len(report.unchanged), "removed": len(report.removed),
        "skipped": [s.path for s in report.skipped],
        "chunks": sum(report.chunks_per_doc.values()),
    }


def floor(files, settings, embedder, batched: bool = False):
    """Parse + embed alone, no index, no writes (optionally also in build_index's 64-text calls)."""
    from index.units import unit_texts
    from ingest.pipeline import parse_file

    reset_peak_rss()
    with Timer() as parse_t:
        parsed = [parse_file(f, settings.chunk_chars, settings.chunk_overlap_sentences) for f in files]
        chunks = [(c, p.document.text) for p in parsed for c in p.chunks]
        units = [t for c, text in chunks for t in unit_texts(c, text)]
    texts = [c.search_text() for c, _ in chunks] + units
    with Timer() as one_call:
        vectors = embedder.encode(texts)
    out = {
        "chunks": len(chunks), "units": len(units), "chars": sum(map(len, texts)),
        "parse_s": round(parse_t.seconds, 3),
        "embed_one_call_s": round(one_call.seconds, 3),
        "floor_s": round(parse_t.seconds + one_call.seconds, 3),
        "floor_cpu_s": round(parse_t.cpu + one_call.cpu, 3),
        "dimension": int(vectors.shape[1]),
        "peak_rss_mb": peak_rss_mb(),
    }
    if batched:
        size = settings.embedding_batch_size
        with Timer() as batched_t:
            for i in range(0, len(texts), size):
                embedder.encode(texts[i: i + size])
        out["embed_batched_calls_s"] = round(batched_t.seconds, 3)
        out["embed_batched_calls_cpu_s"] = round(batched_t.cpu, 3)
    return out


def langchain_run(files, embedder):
    reset_peak_rss()
    with Timer() as split_t:
        docs = langchain_documents(files)
    with Timer() as index_t:
        langchain_faiss(docs, embedder)
    return {"chunks": len(docs), "chars": sum(len(d.page_content) for d in docs),
            "split_s": round(split_t.seconds, 3), "embed_index_s": round(index_t.seconds, 3),
            "cpu_s": round(split_t.cpu + index_t.cpu, 3),
            "wall_s": round(split_t.seconds + index_t.seconds, 3), "peak_rss_mb": peak_rss_mb()}


def ray_run(corpus: Path, index_dir: Path) -> dict:
    """Phase (f): cold ingest with engine 'ray'; CPU seconds and RSS are this process's only."""
    import ray

    from surveyqa.engines import start_ray
    from surveyqa.settings import load_settings

    with Timer() as start_t:
        start_ray()
    try:
        run = timed_build([corpus], load_settings(index_dir=index_dir, engine="ray"), None)
    finally:
        ray.shutdown()
    return {**run, "ray_start_s": round(start_t.seconds, 3), "cpus": os.cpu_count()}


def median_run(runs: list[dict], key: str) -> dict:
    """The run whose ``key`` is the median (all runs are kept in the JSON)."""
    ordered = sorted(runs, key=lambda r: r[key])
    return ordered[(len(ordered) - 1) // 2]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of survey files (default: data/corpus)")
    parser.add_argument("--repeat", type=int, default=1, help="repeat the cold ingest, the floor and LangChain N times; medians reported")
    parser.add_argument("--touch", default="mmfm-healthcare-review.txt", help="document changed for phase (e)")
    parser.add_argument("--no-langchain", action="store_true", help="skip the LangChain pipeline")
    parser.add_argument("--batched-floor", action="store_true",
                        help="also time the floor's embedding in build_index's 64-chunk encode calls (one more corpus embed)")
    parser.add_argument("--ray", action="store_true", help="also time a cold ingest on a local Ray (engine 'ray')")
    parser.add_argument("--out", type=Path, help="JSON output (default bench/results/bench_ingest.json)")
    args = parser.parse_args(argv)

    from index.embeddings import make_embedder
    from ingest.pipeline import discover
    from surveyqa.settings import load_settings

    result: dict = {"machine": machine_info(), "corpus": str(args.corpus), "repeat": args.repeat}
    base = load_settings()
    files = discover([args.corpus]).files
    result["files"] = [f.name for f in files]

    rss0 = rss_mb()
    with Timer() as load_t:
        embedder = make_embedder(base.embedding_model, base.embedding_batch_size)
    with Timer() as warm_t:
        embedder.encode(["warm-up sentence for the embedding model"] * 8)
    result["model"] = {"name": base.embedding_model, "batch_size": base.embedding_batch_size,
                       "load_s": round(load_t.seconds, 3), "first_encode_s": round(warm_t.seconds, 3),
                       "rss_before_mb": rss0, "rss_after_mb": rss_mb()}
    print(f"model loaded in {load_t.seconds:.2f}s (+{warm_t.seconds:.2f}s first encode); {len(files)} files")

    work = Path(tempfile.mkdtemp(prefix="surveyqa-bench-ingest-"))
    try:
        cold_runs, floor_runs, lc_runs = [], [], []
        for number in range(args.repeat):
            index_dir = work / f"index-{number}"
            settings = load_settings(index_dir=index_dir)
            cold_runs.append(timed_build([args.corpus], settings, embedder))
            print(f"(a) cold ingest #{number + 1}: {cold_runs[-1]['wall_s']:.2f}s")
            floor_runs.append(floor(files, settings, embedder, args.batched_floor))
            print(f"(b) floor #{number + 1}: {floor_runs[-1]['floor_s']:.2f}s")
            if not args.no_langchain:
                lc_runs.append(langchain_run(files, embedder))
                print(f"(c) LangChain #{number + 1}: {lc_runs[-1]['wall_s']:.2f}s")
        cold, flo = median_run(cold_runs, "wall_s"), median_run(floor_runs, "floor_s")
        result["cold"], result["floor"] = cold, flo
        result["cold_runs"], result["floor_runs"] = cold_runs, floor_runs
        if lc_runs:
            result["langchain"], result["langchain_runs"] = median_run(lc_runs, "wall_s"), lc_runs

        index_dir = work / "index-0"
        settings = load_settings(index_dir=index_dir)
        result["unchanged"] = timed_build([args.corpus], settings, embedder)
        print(f"(d) unchanged re-ingest: {result['unchanged']['wall_s']:.2f}s ({result['unchanged']['note']})")

        copy = work / "corpus-copy"
        shutil.copytree(args.corpus, copy)
        touched_dir = work / "index-touched"
        shutil.copytree(index_dir, touched_dir, ignore=shutil.ignore_patterns(".lock"))
        target = copy / args.touch
        if not target.exists():
            target = sorted(p for p in copy.iterdir() if p.is_file())[0]
        with target.open("a", encoding="utf-8") as handle:
            handle.write("\nAn extra closing line appended by the SurveyQA ingest benchmark.\n")
        touched = timed_build([copy], load_settings(index_dir=touched_dir), embedder)
        touched["touched"] = target.name
        result["one_doc_changed"] = touched
        print(f"(e) one document changed: {touched['wall_s']:.2f}s ({touched['embedded']} chunks re-embedded)")
        if args.ray:
            result["ray"] = ray_run(args.corpus, work / "index-ray")
            print(f"(f) cold ingest on Ray: {result['ray']['wall_s']:.2f}s (+{result['ray']['ray_start_s']:.2f}s Ray start)")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    result["cold_over_floor"] = round(cold["wall_s"] / flo["floor_s"], 3)
    result["cold_over_embed_one_call"] = round(cold["wall_s"] / flo["embed_one_call_s"], 3)
    result["cold_over_floor_cpu"] = round(cold["cpu_s"] / flo["floor_cpu_s"], 3)
    if "embed_batched_calls_s" in flo:
        result["cold_over_batched_floor"] = round(cold["wall_s"] / (flo["parse_s"] + flo["embed_batched_calls_s"]), 3)
    result["loadavg_at_end"] = loadavg()
    result["targets"] = {
        "cold_ingest_le_1.2x_floor": result["cold_over_floor"] <= 1.2,
        "unchanged_reingest_le_2s": result["unchanged"]["wall_s"] <= 2.0 and not result["unchanged"]["written"],
    }
    result["peak_rss_process_mb"] = max(r["peak_rss_mb"] for r in [cold, flo, result["unchanged"], touched]
                                        + ([result["langchain"]] if lc_runs else []))

    un = result["unchanged"]
    rows = [
        ["model load (+first encode)", load_t.seconds + warm_t.seconds, load_t.cpu + warm_t.cpu, None, None,
         result["model"]["rss_after_mb"], ""],
        ["(a) cold build_index", cold["wall_s"], cold["cpu_s"], cold["chunks"], cold["embedded"], cold["peak_rss_mb"],
         " / ".join(f"{k[:-2]} {v:.2f}s" for k, v in cold["phases"].items())],
        ["(b) floor: parse + 1 encode call", flo["floor_s"], flo["floor_cpu_s"], flo["chunks"], flo["chunks"], flo["peak_rss_mb"],
         f"parse {flo['parse_s']:.2f}s / embed {flo['embed_one_call_s']:.2f}s ({flo['chunks']} chunks + {flo['units']} units)"],
    ]
    if "embed_batched_calls_s" in flo:
        rows.append(["(b') embed in 64-text calls", flo["embed_batched_calls_s"], flo["embed_batched_calls_cpu_s"],
                     flo["chunks"], flo["chunks"], None, "as build_index calls encode"])
    if lc_runs:
        lc = result["langchain"]
        rows.append(["(c) LangChain split+FAISS", lc["wall_s"], lc["cpu_s"], lc["chunks"], lc["chunks"], lc["peak_rss_mb"],
                     f"split {lc['split_s']:.2f}s / embed+index {lc['embed_index_s']:.2f}s"])
    rows.append(["(d) re-ingest, unchanged", un["wall_s"], un["cpu_s"], un["chunks"], un["embedded"], un["peak_rss_mb"],
                 un["note"] or f"written={un['written']}"])
    rows.append(["(e) re-ingest, 1 doc changed", touched["wall_s"], touched["cpu_s"], touched["chunks"], touched["embedded"],
                 touched["peak_rss_mb"],
                 f"{touched['touched']}: " + " / ".join(f"{k[:-2]} {v:.2f}s" for k, v in touched["phases"].items())])
    if args.ray:
        on_ray = result["ray"]
        result["ray_over_local_cold"] = round(on_ray["wall_s"] / cold["wall_s"], 3)
        rows.append(["(f) cold build_index on Ray", on_ray["wall_s"], on_ray["cpu_s"], on_ray["chunks"], on_ray["embedded"],
                     on_ray["peak_rss_mb"], f"{on_ray['cpus']} actors load the model inside the timing; Ray start "
                     f"{on_ray['ray_start_s']:.2f}s not included; CPU s and RSS: driver only; "
                     + " / ".join(f"{k[:-2]} {v:.2f}s" for k, v in on_ray["phases"].items())])
    print_table(f"Ingest: {len(files)} files of {args.corpus.name} (median of {args.repeat})",
                ["phase", "wall s", "CPU s", "chunks", "embedded", "peak RSS MiB", "detail"], rows)
    print(f"cold / floor = {result['cold_over_floor']:.2f}x (target <= 1.2x: "
          f"{'met' if result['targets']['cold_ingest_le_1.2x_floor'] else 'NOT met'}); "
          f"by CPU seconds {result['cold_over_floor_cpu']:.2f}x; load average {result['machine'].get('loadavg_at_start')} -> "
          f"{result['loadavg_at_end']}")
    print(f"unchanged re-ingest {un['wall_s']:.2f}s (target <= 2 s, nothing written: "
          f"{'met' if result['targets']['unchanged_reingest_le_2s'] else 'NOT met'})")
    if args.ray:
        print(f"cold ingest on Ray / local = {result['ray_over_local_cold']:.2f}x")
    path = write_json("bench_ingest", result, args.out)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
