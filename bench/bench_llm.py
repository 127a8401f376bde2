"""LLM modes with a real local GGUF model, next to the extractive answerer (a benchmark, not CI).

For each gold set (the bundled dev set over var/index, QASPER dev over var/qasper) it takes
``--limit`` items round-robin over the question types and answers them with the extractive answerer,
write mode and agent mode on the llamacpp backend (xllamacpp, in-process, ``--threads``), and
scores them with the eval metrics: key-fact accuracy, citation precision, abstention, seconds
per answer, tokens. The GGUF file's sha256 is checked first. JSON goes to
``bench/results/llm/bench_llm.json`` (a folder of its own: ``bench/report.py`` renders only the
other results), rewritten after every system so a stopped run keeps its results;
systems not run this time keep their earlier results (same model checksum).

    .venv/bin/python bench/bench_llm.py --gguf /work/models-src/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from itertools import zip_longest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEV_SET, REPO, RESULTS  # noqa: E402
from index.store import file_sha256  # noqa: E402

SETS = {"dev": (DEV_SET, REPO / "var" / "index"),
        "qasper": (REPO / "data" / "external" / "qasper" / "dev.jsonl", REPO / "var" / "qasper")}
QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
FALLBACK = "this is the extractive answer"


def spread(items: list, limit: int) -> list:
    """``limit`` items taken round-robin over the question types (each type in file order), so
    every type, unanswerable included, is represented."""
    by_type: dict[str, list] = {}
    for item in items:
        by_type.setdefault(item.type, []).append(item)
    rounds = zip_longest(*by_type.values())
    return [item for row in rounds for item in row if item is not None][:limit]


def summary(system: str, result, seconds: float) -> dict:
    """The benchmark's columns for one system on one set."""
    metrics, records = result.metrics, result.records
    latencies = [r["latency_ms"] / 1000 for r in records if not r.get("error")]
    tokens = [r["llm"]["input_tokens"] + r["llm"]["output_tokens"] for r in records if r.get("llm")]
    return {
        "system": system, "items": len(records), "key_fact_accuracy": metrics.get("key_fact_accuracy"),
        "citation_precision": metrics.get("citation_precision"), "abstention_accuracy": metrics.get("abstention_accuracy"),
        "false_abstention_rate": metrics.get("false_abstention_rate"),
        "abstained": sum(bool(r["abstained"]) for r in records), "errors": sum(bool(r.get("error")) for r in records),
        "fallbacks": sum(any(FALLBACK in w for w in r.get("warnings", [])) for r in records),
        "seconds_per_answer": round(statistics.fmean(latencies), 2) if latencies else None,
        "seconds_p50": round(statistics.median(latencies), 2) if latencies else None,
        "tokens_per_answer": round(statistics.fmean(tokens), 1) if tokens else None,
        "wall_seconds": round(seconds, 1),
        "per_item": [{"id": r["id"], "answer": r["answer"], "abstained": r["abstained"], "error": r.get("error"),
                      "key_fact_share": r["scores"].get("key_fact_share"), "latency_ms": r["latency_ms"],
                      "llm": r.get("llm"), "warnings": r.get("warnings", [])} for r in result.per_item],
    }


def run_set(name: str, args, settings_for, out: dict, save) -> None:
    from surveyqa.service import SurveyQA
    from evaluation.gold import load_gold
    from evaluation.run import asking, evaluate

    gold, index = SETS[name]
    items = spread(load_gold(gold), args.limit)
    base = SurveyQA(settings_for(index, "write"))
    base.extract(items[0].question)  # load the index, embedder and catalog before anything is timed
    for system in args.systems:
        qa = SurveyQA(settings_for(index, system if system != "extractive" else "write"), retriever=base.retriever)
        started = time.perf_counter()
        result = evaluate(items, asking(qa, args.k, offline=system == "extractive"), qa.doc_texts, args.k)
        out["sets"].setdefault(name, {})[system] = summary(system, result, time.perf_counter() - started)
        save()
        row = out["sets"][name][system]
        print(f"{name} {system}: kfa {row['key_fact_accuracy']} cp {row['citation_precision']} "
              f"abst {row['abstention_accuracy']} s/answer {row['seconds_per_answer']}", file=sys.stderr, flush=True)


COLUMNS = ("key_fact_accuracy", "citation_precision", "abstention_accuracy", "false_abstention_rate", "abstained",
           "fallbacks", "seconds_per_answer", "seconds_p50", "tokens_per_answer")


def markdown(out: dict) -> str:
    """The results as one Markdown table: a row per set and system."""
    lines = ["| set | system | items | " + " | ".join(COLUMNS) + " |", "|" + "---|" * (len(COLUMNS) + 3)]
    for name, systems in out["sets"].items():
        for system, row in systems.items():
            cells = ["–" if row[key] is None else str(row[key]) for key in COLUMNS]
            lines.append(f"| {name} | {system} | {row['items']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gguf", type=Path, help="The GGUF file (data only; it is checksummed).")
    parser.add_argument("--sha256", default=QWEN_SHA256, help="Expected checksum of the GGUF file.")
    parser.add_argument("--limit", type=int, default=20, help="Items per gold set.")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--systems", nargs="+", default=["extractive", "write", "agent"],
                        choices=["extractive", "write", "agent"])
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp CPU threads.")
    parser.add_argument("--context", type=int, default=4096, help="llama.cpp context size in tokens.")
    parser.add_argument("-k", "--k", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS / "llm" / "bench_llm.json")
    parser.add_argument("--table", action="store_true", help="Only print the Markdown table of --out.")
    args = parser.parse_args()
    if args.table:
        return print(markdown(json.loads(args.out.read_text())))
    if args.gguf is None:
        parser.error("--gguf is required")

    checksum = file_sha256(args.gguf)
    if checksum != args.sha256:
        sys.exit(f"{args.gguf}: sha256 {checksum} is not the expected {args.sha256}")
    from core.settings import load_settings

    def settings_for(index: Path, mode: str):
        return load_settings(index_dir=index, llm_backend="llamacpp", llm_model=str(args.gguf), llm_mode=mode,
                             llm_threads=args.threads, llm_context=args.context, query_threads=1)

    probe = settings_for(SETS["dev"][1], "write")
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    out = {"model": args.gguf.name, "sha256": checksum, "bytes": args.gguf.stat().st_size, "limit": args.limit,
           "k": args.k, "settings": {key: getattr(probe, key) for key in (
               "llm_threads", "llm_context", "llm_max_tokens", "llm_passages", "llm_passage_chars", "query_threads")},
           "sets": previous.get("sets", {}) if previous.get("sha256") == checksum else {}}
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def save():
        args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False))

    for name in args.sets:
        run_set(name, args, settings_for, out, save)
    print(markdown(out))


if __name__ == "__main__":
    main()
