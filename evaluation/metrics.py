"""The metrics of data/eval/README.md, computed from answer records, overall and per group."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

import re

from evaluation.gold import GoldItem, normalise

_MARKERS = re.compile(r"\[\d+(?:[,\s–-]+\d+)*\]")
_WORD = re.compile(r"[a-z0-9]+")


def first_word(answer: str) -> str:
    """The answer's first word, lower-cased, after citation markers and punctuation."""
    match = _WORD.search(_MARKERS.sub(" ", normalise(answer)))
    return match.group() if match else ""


def facts_found(item: GoldItem, answer: str) -> list[str]:
    """The key facts the answer contains; a yes-no item's fact only as the answer's first word."""
    if item.type == "yes-no":
        return [f for f in item.key_facts if first_word(answer) == normalise(f)]
    text = normalise(answer)
    return [f for f in item.key_facts if normalise(f) in text]


def covers(doc: str, start: int, end: int, item: GoldItem) -> bool:
    """True when the span overlaps some evidence quote by at least half the quote's length
    (or by the whole span, when the span is shorter than that)."""
    for ev in item.evidence:
        if ev.doc != doc or ev.start is None:
            continue
        overlap = min(end, ev.end) - max(start, ev.start)
        needed = min(0.5 * (ev.end - ev.start), end - start)
        if overlap > 0 and overlap >= needed:
            return True
    return False


def covered_docs(passages: list[dict], item: GoldItem) -> set[str]:
    """Evidence documents with at least one quote covered by one of ``passages``."""
    return {p["doc"] for p in passages if covers(p["doc"], p["start"], p["end"], item)}


def item_scores(item: GoldItem, record: dict, k: int) -> dict:
    """Per-item values that the aggregate metrics average."""
    top = record.get("retrieved", [])[:k]
    first = next((rank for rank, p in enumerate(top, start=1) if covers(p["doc"], p["start"], p["end"], item)), None)
    evidence_docs = {ev.doc for ev in item.evidence}
    scores = {
        "recall": first is not None,
        "full_recall": bool(evidence_docs) and evidence_docs <= covered_docs(top, item),
        "rr": 1.0 / first if first else 0.0,
        "first_hit_rank": first,
    }
    if "answer" in record:
        found = facts_found(item, record.get("answer") or "")
        citations = record.get("citations", [])
        good = [c for c in citations if covers(c["doc"], c["start"], c["end"], item)]
        scores.update(
            facts_found=found,
            facts_missed=[f for f in item.key_facts if f not in found],
            key_fact_share=len(found) / len(item.key_facts) if item.key_facts else 1.0,
            citations=len(citations),
            good_citations=len(good),
            abstained=bool(record.get("abstained")),
            answer_chars=len(record.get("answer") or ""),
            latency_ms=float(record.get("latency_ms") or 0.0),
        )
    return scores


def _mean(values) -> float | None:
    values = list(values)
    return round(float(np.mean(values)), 4) if values else None


def aggregate(items: list[GoldItem], scores: list[dict], k: int) -> dict:
    """The metric dict for one group of items (key names as in the README)."""
    answerable = [s for i, s in zip(items, scores) if i.answerable]
    with_facts = [s for i, s in zip(items, scores) if i.scored_facts]
    unanswerable = [s for i, s in zip(items, scores) if not i.answerable]
    out = {
        "count": len(items),
        "answerable": len(answerable),
        "k": k,
        "retrieval_recall_at_k": _mean(s["recall"] for s in answerable),
        "retrieval_full_recall_at_k": _mean(s["full_recall"] for s in answerable),
        "mrr": _mean(s["rr"] for s in answerable),
    }
    # the README names the metric with a literal k; the suffixed alias (…_at_5) is kept beside it
    out[f"retrieval_recall_at_{k}"] = out["retrieval_recall_at_k"]
    out[f"retrieval_full_recall_at_{k}"] = out["retrieval_full_recall_at_k"]
    if scores and "abstained" in scores[0]:
        citations = sum(s["citations"] for s in answerable)
        latencies = [s["latency_ms"] for s in scores]
        out.update({
            "key_fact_accuracy": _mean(s["key_fact_share"] for s in with_facts),
            "exact_all_facts": _mean(not s["facts_missed"] for s in with_facts),
            "citation_precision": round(sum(s["good_citations"] for s in answerable) / citations, 4) if citations else None,
            "citation_recall": _mean(s["good_citations"] > 0 for s in answerable),
            "abstention_accuracy": _mean(s["abstained"] for s in unanswerable),
            "false_abstention_rate": _mean(s["abstained"] for s in answerable),
            "mean_answer_chars": _mean(s["answer_chars"] for s in scores),
            "latency_p50_ms": round(float(np.percentile(latencies, 50)), 2) if latencies else None,
            "latency_p95_ms": round(float(np.percentile(latencies, 95)), 2) if latencies else None,
        })
    return out


def compute_metrics(items: list[GoldItem], records: list[dict], k: int = 5) -> tuple[dict, list[dict]]:
    """``(metrics, per_item_scores)``: overall metrics with ``by_type`` and ``by_difficulty``."""
    scores = [item_scores(item, record, k) for item, record in zip(items, records)]
    metrics = aggregate(items, scores, k)
    for key, attr in (("by_type", "type"), ("by_difficulty", "difficulty")):
        groups: dict[str, list[int]] = defaultdict(list)
        for index, item in enumerate(items):
            groups[getattr(item, attr)].append(index)
        metrics[key] = {name: aggregate([items[i] for i in idx], [scores[i] for i in idx], k)
                        for name, idx in sorted(groups.items())}
    return metrics, scores


def recall_curve(items: list[GoldItem], records: list[dict], max_k: int = 20) -> list[float]:
    """Retrieval recall@k for k = 1..max_k over answerable items."""
    ranks = []
    for item, record in zip(items, records):
        if item.answerable:
            ranks.append(item_scores(item, record, max_k)["first_hit_rank"])
    return [round(sum(1 for r in ranks if r and r <= k) / len(ranks), 4) if ranks else 0.0 for k in range(1, max_k + 1)]
