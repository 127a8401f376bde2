"""Helpers shared by the benchmark scripts: memory, timing statistics, tables, JSON output,
and the plain LangChain baseline pipeline (splitter + embedder + FAISS) they compare against."""
from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
CORPUS = REPO / "data" / "corpus"
DEV_SET = REPO / "data" / "eval" / "dev.jsonl"


# ---------------------------------------------------------------- memory

def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident set size in MiB."""
    kb = _status_kb("VmRSS")
    return round(kb / 1024, 1) if kb is not None else float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size in MiB since start, or since the last :func:`reset_peak_rss`."""
    kb = _status_kb("VmHWM")
    if kb is None:  # not Linux: whole-process peak only
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":
            kb //= 1024
    return round(kb / 1024, 1)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux ``clear_refs`` 5) so a phase's own peak can be read."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# ---------------------------------------------------------------- timing

def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0..100) of ``values``."""
    data = sorted(values)
    if not data:
        return float("nan")
    pos = (len(data) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def latency_stats(seconds: list[float]) -> dict:
    """p50 / p95 / mean / max in milliseconds, and the number of samples."""
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 3), "p95_ms": round(percentile(ms, 95), 3),
            "mean_ms": round(statistics.fmean(ms), 3) if ms else float("nan"), "max_ms": round(max(ms), 3) if ms else float("nan")}


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds`` (wall) and ``t.cpu`` (this process's user +
    system CPU seconds, all threads: less sensitive than wall time to other jobs on a shared box)."""

    def __enter__(self):
        self.start = time.perf_counter()
        self.cpu_start = time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.cpu = time.process_time() - self.cpu_start
        return False


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


# ---------------------------------------------------------------- output

def machine_info() -> dict:
    import numpy

    info = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "python": platform.python_version(),
            "platform": platform.platform(), "cpu_count": os.cpu_count(), "numpy": numpy.__version__}
    try:
        info["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["mem_total_gib"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
    except Exception:
        pass
    return info


def write_json(name: str, payload: dict, out: str | Path | None) -> Path:
    """Write ``payload`` to ``out`` (or ``bench/results/<name>.json``); returns the path."""
    path = Path(out) if out else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def fmt(value) -> str:
    if isinstance(value, float):
        if value != value:  # nan
            return "-"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    if value is None:
        return "-"
    return str(value)


def print_table(title: str, columns: list[str], rows: list[list]) -> None:
    """A rich table when rich is installed, else aligned plain text."""
    cells = [[fmt(v) for v in row] for row in rows]
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for i, col in enumerate(columns):
            table.add_column(col, justify="left" if i == 0 else "right")
        for row in cells:
            table.add_row(*row)
        Console(width=160).print(table)
        return
    except ImportError:
        pass
    widths = [max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(columns)]
    print(f"\n{title}")
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))


# ---------------------------------------------------------------- LangChain baseline

def langchain_documents(files: list[Path], chunk_size: int = 1000, chunk_overlap: int = 200):
    """The stock LangChain recipe's chunks: PyPDFLoader (pypdf) pages for PDFs, each other file as one
    document, then RecursiveCharacterTextSplitter(chunk_size, chunk_overlap)."""
    from langchain_community.document_loaders import PyPDFLoader
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = []
    for path in files:
        if path.suffix.lower() == ".pdf":
            docs.extend(PyPDFLoader(str(path)).load())
        else:
            docs.append(Document(page_content=path.read_text(encoding="utf-8", errors="replace"),
                                 metadata={"source": path.name}))
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    return splitter.split_documents(docs)


def langchain_faiss(documents, embedder):
    """``langchain_community`` FAISS store over ``documents`` with ``embedder``."""
    from langchain_community.vectorstores import FAISS

    return FAISS.from_documents(documents, embedder)
