"""Matplotlib (Agg) figures for the evaluation report; each function writes one PNG and returns its path."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (backend first)

TYPE_METRICS = ("key_fact_accuracy", "citation_precision", "citation_recall", "retrieval_recall_at_k")
COMPARE_PLOT_METRICS = ("retrieval_recall_at_k", "mrr", "key_fact_accuracy", "citation_precision", "citation_recall")


def _value(metrics: dict, key: str) -> float:
    value = metrics.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def grouped_bars(groups: dict[str, dict], metrics: tuple[str, ...], path: Path, title: str,
                 legend_title: str = "metric") -> Path:
    """One cluster of bars per group (x axis), one bar per metric; missing values are left out."""
    names = list(groups)
    width = 0.8 / max(len(metrics), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(names) + 2), 4.2))
    for j, metric in enumerate(metrics):
        xs = [i + (j - (len(metrics) - 1) / 2) * width for i in range(len(names))]
        ax.bar(xs, [_value(groups[n], metric) for n in names], width, label=metric)
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(title=legend_title, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(fig, path)


def type_bars(metrics: dict, path: Path) -> Path:
    """Key-fact accuracy, citation precision / recall and retrieval recall per question type."""
    groups = {name: m for name, m in metrics.get("by_type", {}).items() if m.get("answerable")}
    k = metrics.get("k", "k")
    return grouped_bars(groups, TYPE_METRICS, path, f"Metrics per question type (answerable items, k={k})")


def comparison_bars(systems: dict[str, dict], path: Path) -> Path:
    """The main metrics side by side for SurveyQA and the baselines (one cluster per metric)."""
    groups = {metric: {name: m.get(metric) for name, m in systems.items()} for metric in COMPARE_PLOT_METRICS}
    return grouped_bars(groups, tuple(systems), path, "SurveyQA vs baselines", legend_title="system")


def latency_histogram(latencies_ms: list[float], path: Path) -> Path:
    """Distribution of per-question wall time, with the median and p95 marked."""
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    values = sorted(float(v) for v in latencies_ms) or [0.0]
    bins = min(30, max(5, len(values) // 3))
    low = max(values[0], 0.1)
    if values[-1] / low > 50:  # long tail: log-spaced bins keep the bulk readable
        ax.set_xscale("log")
        bins = np.geomspace(low, values[-1], bins + 1)
    ax.hist(values, bins=bins, color="#4C72B0", edgecolor="white")
    p50, p95 = (float(np.percentile(values, q)) for q in (50, 95))  # as in metrics.json
    ax.axvline(p50, color="#DD8452", linestyle="--", label=f"p50 {p50:.0f} ms")
    ax.axvline(p95, color="#C44E52", linestyle=":", label=f"p95 {p95:.0f} ms")
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Latency (warm index)")
    ax.legend()
    return _save(fig, path)


def recall_curve_plot(curve: list[float], path: Path, k: int | None = None) -> Path:
    """Retrieval recall@k for k = 1..len(curve) over answerable items."""
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ks = list(range(1, len(curve) + 1))
    ax.plot(ks, curve, marker="o", markersize=3)
    if k and 1 <= k <= len(curve):
        ax.axvline(k, color="grey", linestyle=":", label=f"k={k}: {curve[k - 1]:.2f}")
        ax.legend(loc="lower right")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("k")
    ax.set_ylabel("retrieval recall@k")
    ax.set_title("Retrieval recall@k (answerable items)")
    ax.grid(alpha=0.3)
    return _save(fig, path)
