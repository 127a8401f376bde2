"""Ingest benchmark: the bundled corpus and a folder of generated PDFs, side by side in one run.

For each corpus (the seed corpus, and ``--pdfs N`` generated two-column PDFs from
``bench/make_pdfs.py``), in one process, with the embedding model loaded and warmed first:

a. cold ``build_index`` with the settings in force (shipped: units embedded on their own, records
   sharing their chunk's vector; bf16 where the CPU has it; parsing in a process pool, pipelined
   with embedding; each distinct text embedded once);
a0. cold ``build_index`` on the previous path: units embedded on their own, fp32, one parse
   worker (``late_chunking=False, ingest_precision=fp32, parse_workers=1``); since 2026-12-02 a
   record that is one unit shares its chunk's vector on this path too, so it is faster than it was;
b. the floor: one ``encode`` call, at the same precision as (a), over exactly the texts (a)
   embedded (recorded through the embedder), so (a) / (b) is the overhead of everything else;
c. a plain LangChain pipeline on the same files: PyPDFLoader (pypdf) for PDFs, the file's text
   otherwise, RecursiveCharacterTextSplitter(1000/200), the same embedder (fp32, its
   ``embed_documents``), ``langchain_community`` FAISS.from_documents.

Each row has wall and CPU seconds (this process only: the parse workers are children of
multiprocessing's fork server, so their CPU is not counted), tokens embedded (the model's tokenizer,
truncated at its window), tokens/s and peak RSS. On the seed
corpus also: d. re-ingest with nothing changed; e. one document changed; q. one short question
embedded in fp32 and in bf16, alternating; f. with ``--ray``, a cold ingest on a local Ray.

Run:  .venv/bin/python bench/bench_ingest.py [--pdfs 50] [--repeat N] [--out FILE]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (CORPUS, Timer, langchain_documents, langchain_faiss, latency_stats, loadavg, machine_info, peak_rss_mb,
                          print_table, reset_peak_rss, rss_mb, write_json)

OLD_PATH = {"late_chunking": False, "ingest_precision": "fp32", "parse_workers": 1}


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (not the parse workers: the fork server's)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class PhaseClock:
    """Progress callback for ``build_index`` that stamps wall and CPU time at its phase changes."""

    def __init__(self):
        self.start, self.cpu_start = time.perf_counter(), _cpu()
        self.marks: dict[str, tuple[float, float]] = {}

    def __call__(self, message: str, number: int, total: int) -> None:
        phase = "reading" if message.startswith("reading") else message
        self.marks.setdefault(phase, (time.perf_counter(), _cpu()))

    def split(self, end: tuple[float, float]) -> dict:
        """Wall and CPU seconds before embedding starts (load the old index, discover, checksum, the
        first parses), while embedding (parsing goes on in the workers meanwhile), and indexing +
        writing (FAISS, BM25, files, fsync)."""
        embed, index = self.marks.get("embedding"), self.marks.get("indexing")
        out = {}
        if index is not None:
            first = embed or index
            out["prepare_s"], out["prepare_cpu_s"] = round(first[0] - self.start, 3), round(first[1] - self.cpu_start, 3)
            if embed is not None:
                out["embed_s"], out["embed_cpu_s"] = round(index[0] - embed[0], 3), round(index[1] - embed[1], 3)
            out["index_write_s"], out["index_write_cpu_s"] = round(end[0] - index[0], 3), round(end[1] - index[1], 3)
        return out


class Recording:
    """The embedder, passed to ``build_index``, noting every text it is asked to run through the model."""

    def __init__(self, embedder):
        self.embedder, self.texts, self.precisions = embedder, [], set()

    def encode(self, texts, precision="fp32"):
        self.texts.extend(texts)
        self.precisions.add(precision)
        return self.embedder.encode(texts, precision=precision)

    def encode_late(self, items, precision="fp32"):
        self.texts.extend(text for text, _ in items)
        self.precisions.add(precision)
        return self.embedder.encode_late(items, precision=precision)


def count_tokens(embedder, texts: list[str]) -> int:
    """Tokens the model sees for ``texts``: its tokenizer, truncated at its window, special tokens included."""
    model = embedder._model
    if not texts:
        return 0
    return sum(len(ids) for ids in model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length)["input_ids"])


def timed_build(paths, settings, embedder, rebuild=False):
    from index.build import build_index

    reset_peak_rss()
    clock, recording = PhaseClock(), Recording(embedder)
    with Timer() as t:
        report = build_index(paths, settings, rebuild=rebuild, progress=clock, embedder=recording)
    cpu = _cpu() - clock.cpu_start
    tokens = count_tokens(embedder, recording.texts)
    return {
        "wall_s": round(t.seconds, 3),
        "cpu_s": round(cpu, 3),
        "peak_rss_mb": peak_rss_mb(),
        "phases": clock.split((clock.start + t.seconds, clock.cpu_start + cpu)),
        "written": report.written,
        "note": report.note,
        "embedded": report.embedded,
        "texts_embedded": len(recording.texts),
        "tokens": tokens,
        "tokens_per_s": round(tokens / t.seconds, 1) if t.seconds else 0.0,
        "precision": "/".join(sorted(recording.precisions)),
        "added": len(report.added), "updated": len(report.updated),
        "unchanged": len(report.unchanged), "removed": len(report.removed),
        "skipped": [f"{s.path}: {s.reason}" for s in report.skipped],
        "chunks": sum(report.chunks_per_doc.values()),
        "recorded_texts": recording.texts,
    }


def floor(texts: list[str], precision: str, embedder) -> dict:
    """One ``encode`` call over ``texts`` at ``precision``: no parsing, no index, no writes."""
    reset_peak_rss()
    with Timer() as t:
        embedder.encode(texts, precision=precision)
    tokens = count_tokens(embedder, texts)
    return {"wall_s": round(t.seconds, 3), "cpu_s": round(t.cpu, 3), "texts": len(texts), "tokens": tokens,
            "tokens_per_s": round(tokens / t.seconds, 1) if t.seconds else 0.0, "precision": precision,
            "peak_rss_mb": peak_rss_mb()}


def langchain_run(files, embedder):
    reset_peak_rss()
    cpu0 = _cpu()
    with Timer() as split_t:
        docs = langchain_documents(files)
    with Timer() as index_t:
        langchain_faiss(docs, embedder)
    wall = split_t.seconds + index_t.seconds
    tokens = count_tokens(embedder, [d.page_content for d in docs])
    return {"chunks": len(docs), "chars": sum(len(d.page_content) for d in docs),
            "split_s": round(split_t.seconds, 3), "embed_index_s": round(index_t.seconds, 3),
            "cpu_s": round(_cpu() - cpu0, 3), "wall_s": round(wall, 3), "tokens": tokens,
            "tokens_per_s": round(tokens / wall, 1) if wall else 0.0, "peak_rss_mb": peak_rss_mb()}


def query_precision(embedder, rounds: int = 60) -> dict:
    """One short question embedded in each query precision, alternating call by call (fresh text each call)."""
    times: dict[str, list[float]] = {"fp32": [], "bf16": [], "onnx": [], "int8": []}
    for precision in times:  # the ONNX graph and the int8 copy are made on first use, not timed
        embedder.encode(["warm-up"], precision=precision)
    for number in range(rounds):
        for precision in times:
            text = f"Which datasets was model number {number} {precision} trained on?"
            start = time.perf_counter()
            embedder.encode([text], precision=precision)
            times[precision].append(time.perf_counter() - start)
    return {precision: latency_stats(values) for precision, values in times.items()}


def ray_run(corpus: Path, index_dir: Path) -> dict:
    """Phase (f): cold ingest with engine 'ray'; CPU seconds and RSS are this process's only."""
    import ray

    from core.engines import start_ray
    from core.settings import load_settings

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


def corpus_runs(name: str, folder: Path, embedder, work: Path, repeat: int, langchain: bool) -> dict:
    """Phases a, a0, b and c on one corpus, alternated run by run; medians and every run."""
    from ingest.pipeline import discover
    from core.settings import load_settings

    files = discover([folder]).files
    runs: dict[str, list[dict]] = {"cold": [], "old_path": [], "floor": [], "langchain": []}
    for number in range(repeat):
        cold = timed_build([folder], load_settings(index_dir=work / f"{name}-new-{number}"), embedder)
        texts = cold.pop("recorded_texts")
        runs["cold"].append(cold)
        print(f"[{name}] (a) cold ingest #{number + 1}: {cold['wall_s']:.2f}s")
        old = timed_build([folder], load_settings(index_dir=work / f"{name}-old-{number}", **OLD_PATH), embedder)
        old.pop("recorded_texts")
        runs["old_path"].append(old)
        print(f"[{name}] (a0) previous path #{number + 1}: {old['wall_s']:.2f}s")
        runs["floor"].append(floor(texts, cold["precision"], embedder))
        print(f"[{name}] (b) floor #{number + 1}: {runs['floor'][-1]['wall_s']:.2f}s")
        if langchain:
            runs["langchain"].append(langchain_run(files, embedder))
            print(f"[{name}] (c) LangChain #{number + 1}: {runs['langchain'][-1]['wall_s']:.2f}s")
    out = {"folder": str(folder), "files": len(files), "runs": runs}
    out.update({phase: median_run(values, "wall_s") for phase, values in runs.items() if values})
    cold, flo = out["cold"], out["floor"]
    out["cold_over_old_path"] = round(cold["wall_s"] / out["old_path"]["wall_s"], 3)
    out["cold_over_floor"] = round(cold["wall_s"] / flo["wall_s"], 3)
    out["floor_over_cold_tokens_per_s"] = round(flo["tokens_per_s"] / cold["tokens_per_s"], 3)
    embed_s = cold["phases"].get("embed_s")
    out["floor_over_embed_phase_tokens_per_s"] = round(flo["tokens_per_s"] * embed_s / cold["tokens"], 3) if embed_s else None
    if langchain:
        out["cold_over_langchain"] = round(cold["wall_s"] / out["langchain"]["wall_s"], 3)
    return out


INGEST_COLUMNS = ["corpus", "phase", "wall s", "CPU s", "chunks", "texts embedded", "tokens", "tokens/s",
                  "peak RSS MiB", "detail"]


def table_rows(result: dict) -> list[list]:
    """The result table's rows (also rendered by ``bench/report.py``)."""
    rows = [row for name in ("seed", "pdfs") if name in result for row in _rows(name, result[name])]
    un, touched = result["unchanged"], result["one_doc_changed"]
    for run, label in ((un, "(d) re-ingest, unchanged"), (touched, f"(e) 1 doc changed ({touched['touched']})")):
        rows.append(["seed", label, run["wall_s"], run["cpu_s"], run["chunks"], run["texts_embedded"], run["tokens"],
                     run["tokens_per_s"], run["peak_rss_mb"], run["note"] or f"written={run['written']}"])
    if "ray" in result:
        on_ray = result["ray"]
        rows.append(["seed", "(f) cold build_index on Ray", on_ray["wall_s"], on_ray["cpu_s"], on_ray["chunks"], None, None,
                     None, on_ray["peak_rss_mb"], f"Ray start {on_ray['ray_start_s']:.2f}s not included; driver CPU only"])
    return rows


def _rows(name: str, result: dict) -> list[list]:
    def phases(run):
        return " / ".join(f"{k[:-2]} {v:.2f}s" for k, v in run["phases"].items() if not k.endswith("cpu_s"))

    rows = []
    for key, label in (("cold", "(a) cold build_index"), ("old_path", "(a0) previous path")):
        run = result[key]
        rows.append([name, label, run["wall_s"], run["cpu_s"], run["chunks"], run["texts_embedded"], run["tokens"],
                     run["tokens_per_s"], run["peak_rss_mb"], f"{run['precision']}; {phases(run)}"
                     + (f"; {len(run['skipped'])} skipped" if run["skipped"] else "")])
    flo = result["floor"]
    rows.append([name, "(b) floor: 1 encode call", flo["wall_s"], flo["cpu_s"], None, flo["texts"], flo["tokens"],
                 flo["tokens_per_s"], flo["peak_rss_mb"], f"{flo['precision']}, the texts (a) embedded"])
    if "langchain" in result:
        lc = result["langchain"]
        rows.append([name, "(c) LangChain", lc["wall_s"], lc["cpu_s"], lc["chunks"], lc["chunks"], lc["tokens"],
                     lc["tokens_per_s"], lc["peak_rss_mb"], f"fp32; split {lc['split_s']:.2f}s / embed+index {lc['embed_index_s']:.2f}s"])
    return rows


def reingest_runs(corpus: Path, index_dir: Path, work: Path, touch: str, embedder) -> tuple[dict, dict]:
    """Phases d (nothing changed) and e (one document changed, on a copy of the corpus and the index)."""
    from core.settings import load_settings

    unchanged = timed_build([corpus], load_settings(index_dir=index_dir), embedder)
    copy = work / "corpus-copy"
    shutil.copytree(corpus, copy)
    touched_dir = work / "index-touched"
    shutil.copytree(index_dir, touched_dir, ignore=shutil.ignore_patterns(".lock"))
    target = copy / touch
    if not target.exists():
        target = sorted(p for p in copy.iterdir() if p.is_file())[0]
    with target.open("a", encoding="utf-8") as handle:
        handle.write("\nAn extra closing line appended by the SurveyQA ingest benchmark.\n")
    touched = timed_build([copy], load_settings(index_dir=touched_dir), embedder)
    touched["touched"] = target.name
    for run in (unchanged, touched):
        run.pop("recorded_texts")
    return unchanged, touched


def targets_of(result: dict) -> dict:
    """Issue 19's targets that this run measures, met or not."""
    targets = {}
    seed, corpora = result["seed"], [n for n in ("seed", "pdfs") if n in result]
    if "cold_over_langchain" in seed:
        targets["seed_cold_le_langchain"] = seed["cold_over_langchain"] <= 1.0
    if "pdfs" in result:
        pdfs = result["pdfs"]
        targets["pdfs_2x_faster_than_previous_path"] = pdfs["cold_over_old_path"] <= 0.5
        if "cold_over_langchain" in pdfs:
            targets["pdfs_faster_than_langchain"] = pdfs["cold_over_langchain"] < 1.0
    targets["throughput_within_1.3x_floor"] = all(result[n]["floor_over_cold_tokens_per_s"] <= 1.3 for n in corpora)
    targets["unchanged_reingest_le_2s"] = result["unchanged"]["wall_s"] <= 2.0 and not result["unchanged"]["written"]
    return targets


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of survey files (default: data/corpus)")
    parser.add_argument("--pdfs", type=int, default=50, help="generated PDFs (bench/make_pdfs.py); 0 skips that corpus")
    parser.add_argument("--pdf-dir", type=Path, help="where the generated PDFs are kept (default: a temp folder)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of phases a, a0, b and c per corpus; medians reported")
    parser.add_argument("--touch", default="mmfm-healthcare-review.txt", help="document changed for phase (e)")
    parser.add_argument("--no-langchain", action="store_true", help="skip the LangChain pipeline")
    parser.add_argument("--ray", action="store_true", help="also time a cold ingest on a local Ray (engine 'ray')")
    parser.add_argument("--out", type=Path, help="JSON output (default bench/results/bench_ingest.json)")
    args = parser.parse_args(argv)

    from bench.make_pdfs import make_corpus
    from index.embeddings import make_embedder
    from index.precision import resolve_precision
    from core.settings import load_settings

    base = load_settings()
    result: dict = {"machine": machine_info(), "repeat": args.repeat,
                    "ingest_precision": resolve_precision(base.ingest_precision)}
    rss0 = rss_mb()
    with Timer() as load_t:
        embedder = make_embedder(base.embedding_model, base.embedding_batch_size)
    with Timer() as warm_t:
        embedder.encode(["warm-up sentence for the embedding model"] * 8)
        embedder.encode(["warm-up sentence for the embedding model"] * 8, precision="bf16")
    result["model"] = {"name": base.embedding_model, "batch_size": base.embedding_batch_size,
                       "load_s": round(load_t.seconds, 3), "first_encode_s": round(warm_t.seconds, 3),
                       "rss_before_mb": rss0, "rss_after_mb": rss_mb()}
    print(f"model loaded in {load_t.seconds:.2f}s (+{warm_t.seconds:.2f}s first encodes)")

    work = Path(tempfile.mkdtemp(prefix="surveyqa-bench-ingest-"))
    corpora = {"seed": args.corpus}
    try:
        if args.pdfs:
            pdf_dir = args.pdf_dir or work / "pdfs"
            with Timer() as make_t:
                make_corpus(pdf_dir, args.pdfs)
            result["pdfs_made_s"] = round(make_t.seconds, 3)
            corpora["pdfs"] = pdf_dir
        for name, folder in corpora.items():
            result[name] = corpus_runs(name, folder, embedder, work, args.repeat, not args.no_langchain)
        result["unchanged"], result["one_doc_changed"] = reingest_runs(args.corpus, work / "seed-new-0", work,
                                                                        args.touch, embedder)
        result["query_embedding"] = query_precision(embedder)
        if args.ray:
            result["ray"] = ray_run(args.corpus, work / "index-ray")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print_table(f"Ingest (median of {args.repeat})", INGEST_COLUMNS, table_rows(result))
    q = result["query_embedding"]
    print("one short question, p50: " + ", ".join(f"{p} {stats['p50_ms']:.1f} ms" for p, stats in q.items()))
    result["targets"], result["loadavg_at_end"] = targets_of(result), loadavg()
    for name in corpora:
        r = result[name]
        print(f"[{name}] cold / previous path {r['cold_over_old_path']:.2f}x; cold / LangChain "
              f"{r.get('cold_over_langchain', float('nan')):.2f}x; floor tokens/s over cold tokens/s "
              f"{r['floor_over_cold_tokens_per_s']:.2f}x (embedding phase alone {r['floor_over_embed_phase_tokens_per_s']})")
    print("targets: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in result["targets"].items()))
    print(f"load average {result['machine'].get('loadavg_at_start')} -> {result['loadavg_at_end']}")
    path = write_json("bench_ingest", result, args.out)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
