"""Run a gold set through SurveyQA and write metrics.json and per_item.jsonl."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from answer.records import Answer
from evaluation.gold import GoldItem, locate_evidence
from evaluation.metrics import compute_metrics, recall_curve

Answerer = Callable[[GoldItem], Answer]


@dataclass
class EvalResult:
    metrics: dict
    records: list[dict]
    per_item: list[dict]
    curve: list[float]
    warnings: list[str]


def evaluate(items: list[GoldItem], answer: Answerer, doc_texts: dict[str, str], k: int = 5,
             progress: Callable[[int, int], None] | None = None,
             rank: Callable[[GoldItem], list[dict]] | None = None) -> EvalResult:
    """Answer every item (a failing item is recorded as an abstention with its error) and score.
    ``rank`` (an item's top-20 passages as dicts with doc/start/end) feeds the recall@k curve
    beyond k; without it the curve stops growing at k."""
    warnings = locate_evidence(items, doc_texts)
    records = []
    for number, item in enumerate(items, start=1):
        try:
            record = answer(item).to_dict()
        except Exception as exc:  # one failing question must not stop an evaluation
            record = Answer(item.question, "", True, error=f"{type(exc).__name__}: {exc}").to_dict()
        record["id"] = item.id
        records.append(record)
        if progress:
            progress(number, len(items))
    metrics, scores = compute_metrics(items, records, k)
    metrics["warnings"] = warnings
    if any(r.get("llm") for r in records):
        metrics["llm"] = llm_usage(records)
    per_item = [
        {**record, "type": item.type, "difficulty": item.difficulty, "key_facts": item.key_facts,
         "gold_answer": item.answer, "evidence": [{"doc": e.doc, "quote": e.quote, "start": e.start, "end": e.end}
                                                  for e in item.evidence], "scores": score}
        for item, record, score in zip(items, records, scores)
    ]
    ranked = [{"retrieved": rank(item)} for item in items] if rank else records
    return EvalResult(metrics, records, per_item, recall_curve(items, ranked), warnings)


def llm_usage(records: list[dict]) -> list[dict]:
    """Per answer mode and model: answers, model calls and tokens used, over the records an LLM answered."""
    rows: dict[tuple, dict] = {}
    for record in records:
        llm = record.get("llm")
        if llm:
            row = rows.setdefault((record.get("mode"), llm["model"]), {
                "mode": record.get("mode"), "model": llm["model"], "answers": 0, "calls": 0,
                "input_tokens": 0, "output_tokens": 0})
            row["answers"] += 1
            for key in ("calls", "input_tokens", "output_tokens"):
                row[key] += llm.get(key, 0)
    return list(rows.values())


def scope_filters(item: GoldItem):
    """The item's ``scope`` as a document filter (None: the whole index)."""
    from index.retrieval import Filters

    return Filters(docs=list(item.scope)) if item.scope else None


def asking(qa, k: int, mode: str | None = None, offline: bool = False) -> Answerer:
    """The answer function for :func:`evaluate`: ``qa.ask`` (or the offline ``qa.extract``) within
    each item's scope."""
    ask = qa.extract if offline else qa.ask
    return lambda item: ask(item.question, k, mode, scope_filters(item), question_id=item.id)


def top_passages(qa, item: GoldItem, depth: int = 20) -> list[dict]:
    """The top ``depth`` passages of SurveyQA's retriever within the item's scope, for the
    recall@k curve beyond k ([] for a question that cannot be asked)."""
    from answer.records import QuestionError, passages

    try:
        return [p.__dict__ for p in passages(qa.search(item.question, depth, filters=scope_filters(item)), {})]
    except QuestionError:
        return []


def write_results(result: EvalResult, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(result.metrics, indent=2))
    with (out_dir / "per_item.jsonl").open("w", encoding="utf-8") as handle:
        for row in result.per_item:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
