"""Warm query-latency benchmark over the questions of data/eval/dev.jsonl.

Times ``Retriever.search`` (hybrid, dense, bm25) and ``SurveyQA.ask`` on an index of the bundled
corpus, side by side with a plain LangChain pipeline's ``similarity_search`` (RecursiveCharacter-
TextSplitter 1000/200 + the same embedder + ``langchain_community`` FAISS) on the same questions.
Every method gets one untimed warm-up pass over all questions, then ``--repeat`` timed passes.

The embedder caches query vectors (``SentenceEmbedder.embed_query_vector``: an LRU cache by question and precision), so
after the warm-up every repeat is a cache hit. Each method is therefore timed twice:
``cached`` (the library as it runs: repeated questions) and ``fresh`` (the query cache is cleared
before each timed call — what a never-seen question costs, embedding included). Fresh calls are
timed with torch's default intra-op thread count and, interleaved call by call so both see the
same background load, with ``torch.set_num_threads(1)`` (``--fresh-threads``).

Vector stores: the bare dense search (query vectors precomputed, k = ``candidate_k`` as the retriever
asks) in the stored FAISS index and in Milvus-lite fed from it, the time to sync the vectors into a
new collection and to reopen it, and hybrid search with Milvus as the dense store (``--no-milvus``
skips this; needs the extra ``milvus``).

Run:  .venv/bin/python bench/bench_query.py [--repeat 3] [--index-dir DIR] [--out FILE] [--profile] [--no-milvus]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (CORPUS, DEV_SET, Timer, langchain_documents, langchain_faiss, latency_stats, loadavg,
                          machine_info, peak_rss_mb, print_table, reset_peak_rss, rss_mb, write_json)


def time_method(call, questions: list[str], repeat: int, embedder, fresh: bool) -> list[float]:
    """Seconds per call over ``repeat`` passes (after the caller's warm-up pass)."""
    out = []
    for _ in range(repeat):
        for question in questions:
            if fresh:
                embedder.forget_queries()
            with Timer() as t:
                call(question)
            out.append(t.seconds)
    return out


def time_fresh(call, questions: list[str], repeat: int, embedder, threads: list[int]) -> dict[int, list[float]]:
    """Seconds per uncached call for each torch thread count, interleaved call by call."""
    import torch

    default = torch.get_num_threads()
    out: dict[int, list[float]] = {n: [] for n in threads}
    try:
        for _ in range(repeat):
            for question in questions:
                for n in threads:
                    torch.set_num_threads(n)
                    embedder.forget_queries()
                    with Timer() as t:
                        call(question)
                    out[n].append(t.seconds)
    finally:
        torch.set_num_threads(default)
    return out


def profile_ask(qa, questions: list[str], top: int = 25) -> list[dict]:
    """cProfile of one cached pass of ``ask``: the functions with most cumulative time."""
    for question in questions:  # make sure every query vector is cached: profile the rest of ask
        qa.ask(question)
    profiler = cProfile.Profile()
    profiler.enable()
    for question in questions:
        qa.ask(question)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    rows = []
    for (filename, line, name), (cc, nc, tt, ct, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": f"{Path(filename).name}:{line}({name})", "calls": nc,
                     "tottime_s": round(tt, 4), "cumtime_s": round(ct, 4), "file": filename})
    rows.sort(key=lambda r: -r["cumtime_s"])
    root = str(Path(__file__).resolve().parent.parent)
    project = [r for r in rows if r["file"].startswith(root) and "site-packages" not in r["file"]]
    return project[:top]


def embed_threads(embedder, questions: list[str], repeat: int) -> dict:
    """Latency of embedding one question (``encode([q])``, no cache) with torch's default
    intra-op thread count and with one thread, interleaved; torch's setting is restored afterwards."""
    import torch

    default = torch.get_num_threads()
    counts = list(dict.fromkeys((default, 1)))
    seconds: dict[int, list[float]] = {n: [] for n in counts}
    try:
        embedder.encode(questions[:1])
        for _ in range(repeat):
            for question in questions:
                for n in counts:
                    torch.set_num_threads(n)
                    with Timer() as t:
                        embedder.encode([question])
                    seconds[n].append(t.seconds)
    finally:
        torch.set_num_threads(default)
    return {f"{n}_threads": latency_stats(v) for n, v in seconds.items()}


def compare_vector_stores(settings, store, questions: list[str], repeat: int) -> dict:
    """FAISS vs Milvus-lite (in a temporary folder): sync and reopen time, and the latency of the bare
    dense search and of hybrid search, with cached query vectors, interleaved call by call after
    one warm-up pass."""
    from contextlib import closing

    from index.milvus import MilvusSearcher
    from index.retrieval import make_retriever

    k = settings.candidate_k
    faiss = make_retriever(settings.model_copy(update={"vector_store": "faiss"}), store)
    vectors = [faiss.embedder.embed_query_vector(q) for q in questions]
    with tempfile.TemporaryDirectory(prefix="surveyqa-bench-milvus-") as folder:
        milvus_settings = settings.model_copy(update={"vector_store": "milvus", "milvus_uri": str(Path(folder) / "milvus.db")})
        with Timer() as sync_t:  # server start, create, insert, flush, load, server stop
            MilvusSearcher(store, milvus_settings.milvus_uri).close()
        with Timer() as reopen_t:
            MilvusSearcher(store, milvus_settings.milvus_uri).close()
        out = {"k": k, "rows": len(store.vectors), "sync_s": round(sync_t.seconds, 3), "reopen_s": round(reopen_t.seconds, 3)}
        with closing(make_retriever(milvus_settings, store)) as milvus:
            calls = {f"dense search, FAISS {settings.index_type}": lambda i: faiss.searcher.search(vectors[i], k),
                     "dense search, Milvus-lite FLAT": lambda i: milvus.searcher.search(vectors[i], k),
                     "search hybrid, FAISS": lambda i: faiss.search(questions[i], settings.top_k),
                     "search hybrid, Milvus-lite": lambda i: milvus.search(questions[i], settings.top_k)}
            seconds: dict[str, list[float]] = {name: [] for name in calls}
            for _ in range(repeat + 1):
                for i in range(len(questions)):
                    for name, call in calls.items():
                        with Timer() as t:
                            call(i)
                        seconds[name].append(t.seconds)
    return {**out, **{name: latency_stats(s[len(questions):]) for name, s in seconds.items()}}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--questions", type=Path, default=DEV_SET, help="gold JSONL whose questions are asked")
    parser.add_argument("--index-dir", type=Path,
                        help="index to query (built there from --corpus if missing); default: a fresh temp dir")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes per method after one warm-up pass")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N questions (0 = all)")
    parser.add_argument("--no-langchain", action="store_true")
    parser.add_argument("--no-milvus", action="store_true", help="skip the FAISS vs Milvus-lite comparison")
    parser.add_argument("--no-fresh", action="store_true", help="skip the query-cache-cleared timings")
    parser.add_argument("--fresh-threads", type=int, nargs="+", default=[0, 1],
                        help="torch thread counts for the fresh timings (0 = torch's default), interleaved")
    parser.add_argument("--profile", action="store_true", help="cProfile one pass of ask and list the hot functions")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="torch.set_num_threads(N) before querying (0 = leave torch's default)")
    parser.add_argument("--embed-questions", type=int, default=40,
                        help="questions for the query-embedding threads diagnostic (0 = skip)")
    parser.add_argument("--out", type=Path, help="JSON output (default bench/results/bench_query.json)")
    args = parser.parse_args(argv)

    from surveyqa.service import SurveyQA
    from evaluation.gold import load_gold
    from index.build import build_index
    from index.embeddings import make_embedder
    from index.retrieval import make_retriever
    from core.settings import load_settings

    questions = [item.question for item in load_gold(args.questions)]
    if args.limit:
        questions = questions[: args.limit]
    result: dict = {"machine": machine_info(), "questions_file": str(args.questions), "questions": len(questions),
                    "repeat": args.repeat}

    temp = None
    index_dir = args.index_dir
    if index_dir is None:
        temp = Path(tempfile.mkdtemp(prefix="surveyqa-bench-query-"))
        index_dir = temp / "index"
    try:
        settings = load_settings(index_dir=index_dir)
        if args.torch_threads:
            import torch

            torch.set_num_threads(args.torch_threads)
        result["torch_threads"] = __import__("torch").get_num_threads()
        embedder = make_embedder(settings.embedding_model, settings.embedding_batch_size)
        embedder.encode(["warm-up"])
        with Timer() as build_t:
            report = build_index([args.corpus], settings, embedder=embedder)
        result["index"] = {"dir": str(index_dir), "build_s": round(build_t.seconds, 3), "written": report.written,
                           "chunks": sum(report.chunks_per_doc.values()), "index_type": settings.index_type}
        print(f"index ready in {build_t.seconds:.1f}s ({result['index']['chunks']} chunks, written={report.written})")

        rss_before = rss_mb()
        with Timer() as load_t:
            retriever = make_retriever(settings)
        qa = SurveyQA(settings, retriever=retriever)
        result["index"]["load_s"] = round(load_t.seconds, 3)
        k = settings.top_k

        methods = {
            "search hybrid": lambda q: retriever.search(q, k, "hybrid"),
            "search dense": lambda q: retriever.search(q, k, "dense"),
            "search bm25": lambda q: retriever.search(q, k, "bm25"),
            "SurveyQA.ask": lambda q: qa.ask(q),
        }
        if not args.no_langchain:
            with Timer() as lc_t:
                store = langchain_faiss(langchain_documents([p for p in sorted(args.corpus.rglob("*")) if p.is_file()]), embedder)
            result["langchain"] = {"build_s": round(lc_t.seconds, 3), "chunks": store.index.ntotal}
            print(f"LangChain FAISS ready in {lc_t.seconds:.1f}s ({store.index.ntotal} chunks)")
            methods["LangChain similarity_search"] = lambda q: store.similarity_search(q, k=k)

        rss_loaded = rss_mb()
        reset_peak_rss()  # peak from here on: querying only (index, model and LangChain store already in memory)
        timings: dict[str, dict] = {}
        for name, call in methods.items():
            for q in questions:  # warm-up pass (also fills the query-vector cache)
                call(q)
            entry = {"cached": latency_stats(time_method(call, questions, args.repeat, embedder, fresh=False))}
            if not args.no_fresh and name != "search bm25":
                default_threads = result["torch_threads"]
                counts = list(dict.fromkeys(n or default_threads for n in args.fresh_threads))
                for n, seconds in time_fresh(call, questions, args.repeat, embedder, counts).items():
                    entry["fresh" if n == default_threads else f"fresh, torch {n} thread{'s' if n > 1 else ''}"] = latency_stats(seconds)
            timings[name] = entry
            print(f"{name}: " + ", ".join(f"{variant} p50 {stats['p50_ms']:.2f} ms" for variant, stats in entry.items()))
        result["latency"] = timings
        if not args.no_milvus:
            try:
                stores = compare_vector_stores(settings, retriever.store, questions, args.repeat)
                print(f"Milvus-lite: sync {stores['sync_s']} s, reopen {stores['reopen_s']} s")
            except ImportError as exc:  # the extra is not installed
                stores = {"skipped": str(exc)}
                print(f"Milvus-lite skipped: {exc}")
            result["vector_stores"] = stores
        if args.embed_questions:
            result["embed_query"] = embed_threads(embedder, questions[: args.embed_questions], 1)
            print("embed one question: " + ", ".join(f"{k} p50 {v['p50_ms']:.1f} ms" for k, v in result["embed_query"].items()))
        result["k"] = k
        result["rss_mb"] = {"before_index_load": rss_before, "index_and_langchain_loaded": rss_loaded,
                            "after": rss_mb(), "peak_during_queries": peak_rss_mb()}
        result["loadavg_at_end"] = loadavg()

        ask = timings["SurveyQA.ask"]
        result["targets"] = {
            "ask_p50_le_50ms_cached": ask["cached"]["p50_ms"] <= 50,
            "ask_p95_le_150ms_cached": ask["cached"]["p95_ms"] <= 150,
        }
        for variant, stats in ask.items():
            if variant.startswith("fresh"):
                tag = variant.replace(", ", "_").replace(" ", "_")
                result["targets"][f"ask_p50_le_50ms_{tag}"] = stats["p50_ms"] <= 50
                result["targets"][f"ask_p95_le_150ms_{tag}"] = stats["p95_ms"] <= 150
        if args.profile:
            result["ask_profile"] = profile_ask(qa, questions)
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)

    rows = []
    for name, entry in timings.items():
        for variant, stats in entry.items():
            rows.append([f"{name} ({variant})", stats["p50_ms"], stats["p95_ms"], stats["mean_ms"], stats["max_ms"], stats["n"]])
    for name, stats in result.get("vector_stores", {}).items():
        if isinstance(stats, dict):
            rows.append([f"{name} (k={result['vector_stores']['k'] if 'dense' in name else k}, cached)",
                         stats["p50_ms"], stats["p95_ms"], stats["mean_ms"], stats["max_ms"], stats["n"]])
    for name, stats in result.get("embed_query", {}).items():
        rows.append([f"embedder.encode([question]), torch {name.replace('_', ' ')}", stats["p50_ms"], stats["p95_ms"],
                     stats["mean_ms"], stats["max_ms"], stats["n"]])
    print_table(f"Warm query latency, {len(questions)} dev questions x {args.repeat} (k={k}, torch threads "
                f"{result['torch_threads']}); "
                f"peak RSS while querying {result['rss_mb']['peak_during_queries']} MiB",
                ["method", "p50 ms", "p95 ms", "mean ms", "max ms", "n"], rows)
    if args.profile:
        print_table("ask: hottest project functions (one pass, query vectors cached, cumulative)", ["function", "calls", "cum s", "own s"],
                    [[r["function"], r["calls"], r["cumtime_s"], r["tottime_s"]] for r in result["ask_profile"][:15]])
    verdict = ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in result["targets"].items())
    print(f"targets (ask p50 <= 50 ms, p95 <= 150 ms): {verdict}; load average {result['machine'].get('loadavg_at_start')} "
          f"-> {result['loadavg_at_end']}")
    path = write_json("bench_query", result, args.out)
    print(f"wrote {path}")
    return result


if __name__ == "__main__":
    main()
