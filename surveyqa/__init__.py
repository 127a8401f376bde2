"""SurveyQA's public API: everything the CLI, the UI, scripts and notebooks use, importable from
here (``from surveyqa import SurveyQA, Filters``). Names load on first use, so ``import surveyqa``
stays cheap; the table below says where each one lives."""
from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    # the service and the records it returns
    "SurveyQA": "surveyqa.service",
    "Answer": "answer.records", "Citation": "answer.records", "Passage": "answer.records",
    "ABSTAIN_TEXT": "answer.records", "QuestionError": "answer.records", "passages": "answer.records",
    "Filters": "index.retrieval", "Hit": "index.retrieval", "make_fusion": "index.retrieval",
    "IndexMissing": "index.store", "IndexProblem": "index.store", "BuildReport": "index.build",
    "BackendUnavailable": "agent.llm", "PickledWeights": "index.weights",
    # batches and evaluation
    "run_batch": "surveyqa.batch", "BatchInputError": "surveyqa.batch",
    "run_eval": "surveyqa.eval_job", "EvalRun": "surveyqa.eval_job",
    "load_gold": "evaluation.gold", "GoldError": "evaluation.gold",
    "ThresholdError": "evaluation.report", "parse_thresholds": "evaluation.report",
    "check_thresholds": "evaluation.report", "comparison_table": "evaluation.report",
    # fitting weights, thresholds and the query adapter (``surveyqa fit``)
    "asking": "evaluation.run", "evaluate": "evaluation.run",
    "collect": "evaluation.fit", "cross_validate": "evaluation.fit", "cross_validate_threshold": "evaluation.fit",
    "cross_validate_choice": "evaluation.fit", "support_samples": "evaluation.fit", "answer_score": "evaluation.fit",
    "answerable_items": "evaluation.fit_adapter", "fit_adapters": "evaluation.fit_adapter",
    "hits_at_k": "evaluation.fit_adapter", "training_examples": "evaluation.fit_adapter",
    "save_adapter": "index.adapter", "save_sentence_model": "answer.sentence_model",
    "fit_sentence_model": "evaluation.fit_sentences", "training_set": "evaluation.fit_sentences",
    # what the UI shows: files it accepts, catalog kinds, survey titles, follow-ups, model demos
    "FileRules": "ingest.loaders", "MB": "ingest.loaders", "ARTIFACT": "ingest.markdown",
    "KINDS": "answer.catalog", "short_title": "answer.wording", "resolve_followup": "answer.followup",
    "run_demo": "agent.model_loader", "demo_status": "agent.model_loader",
}
_RENAMED = {"resolve_followup": "resolve", "demo_status": "status", "save_sentence_model": "save_model"}  # names clearer here than at home

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'surveyqa' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), _RENAMED.get(name, name))
    globals()[name] = value
    return value
