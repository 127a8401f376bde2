"""``surveyqa fit fusion|abstention``: fit a retrieval or answering constant by k-fold
cross-validation over several gold sets, each over its own index, and report the held-out-fold
figures beside the current setting's."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from cli.common import err, fail, open_service, print_table, settings_for
from cli.common import out as stdout

fit_app = typer.Typer(help="Fit fusion weights and answer thresholds by cross-validation over dev sets.",
                      no_args_is_help=True)
SET_HELP = "NAME=GOLD.jsonl:INDEX_DIR (repeat for every dev set)."


def _parse_set(spec: str) -> tuple[str, Path, Path]:
    """``NAME=GOLD.jsonl:INDEX_DIR``."""
    name, _, rest = spec.partition("=")
    gold, _, index = rest.rpartition(":")
    if not (name and gold and index):
        raise typer.BadParameter(f"{spec!r}: expected NAME=GOLD.jsonl:INDEX_DIR")
    return name, Path(gold), Path(index)


def _sets(specs: list[str]):
    """``(name, gold items, SurveyQA)`` per ``--set``."""
    from surveyqa import GoldError, load_gold

    for spec in specs:
        name, gold, index = _parse_set(spec)
        try:
            items = load_gold(gold)
        except GoldError as exc:
            fail(str(exc))
        yield name, items, open_service(settings_for(index))


def _write(result, out: Path, as_json: bool) -> bool:
    """Write the JSON result; print it too with ``--json`` (returns whether it did)."""

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(asdict(result), indent=2))
    if as_json:
        stdout.print_json(json.dumps(asdict(result)))
    return as_json


@fit_app.command("fusion")
def fusion(
    sets: list[str] = typer.Option(..., "--set", help=SET_HELP),
    k: int = typer.Option(5, "-k", "--k"),
    folds: int = typer.Option(5, "--folds"),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(Path("out/fit/fusion.json"), "--out", help="Where to write the JSON result."),
    as_json: bool = typer.Option(False, "--json"),
):
    """Cross-validate the hybrid fusion (channel weights, bonuses, weighted or RRF)."""
    from cli.progress import item_progress
    from surveyqa import collect, cross_validate, make_fusion

    candidates, settings = [], None
    for name, items, qa in _sets(sets):
        settings = qa.settings
        with item_progress(err, f"collecting {name}", len(items)) as tick:
            candidates.extend(collect(qa.retriever, items, name, settings.candidate_k, settings.rrf_k, tick))
    result = cross_validate(candidates, make_fusion(settings), k=k, folds=folds, seed=seed)
    if _write(result, out, as_json):
        return
    rows = [[name, "settings now", f"{b['recall_at_k']:.3f}", f"{b['mrr']:.3f}", str(b["items"])]
            for name, b in result.baseline.items()]
    rows += [[name, "fitted, held-out folds", f"{h['recall_at_k']:.3f}", f"{h['mrr']:.3f}", str(h["items"])]
             for name, h in result.held_out.items()]
    print_table((["set", "fusion", f"recall@{k}", "MRR", "items"], sorted(rows)), f"{folds}-fold cross-validation")
    print_table((["setting", "chosen on all items"], [[key, str(v)] for key, v in result.chosen.items()]),
                 "fitted fusion")
    stdout.print(f"wrote {out}")


@fit_app.command("abstention")
def abstention(
    sets: list[str] = typer.Option(..., "--set", help=SET_HELP),
    folds: int = typer.Option(5, "--folds"),
    seed: int = typer.Option(0, "--seed"),
    min_kept: float = typer.Option(0.9, "--min-kept", help="Share of every set's answerable items the threshold must keep."),
    out: Path = typer.Option(Path("out/fit/abstention.json"), "--out", help="Where to write the JSON result."),
    as_json: bool = typer.Option(False, "--json"),
):
    """Cross-validate the evidence support below which the answerer abstains."""
    from cli.progress import item_progress
    from surveyqa import cross_validate_threshold, support_samples

    samples, current = [], None
    for name, items, qa in _sets(sets):
        current = qa.settings.abstain_threshold
        with item_progress(err, f"answering {name}", len(items)) as tick:
            samples.extend(support_samples(qa, items, name, tick))
    result = cross_validate_threshold(samples, current, "abstention", folds, seed, min_kept)
    if _write(result, out, as_json):
        return
    rows = [[name, label, str(m["positive_rate"]), str(m["negative_rate"]), str(m["balanced"]), str(m["items"])]
            for label, by_set in ((f"now ({current})", result.current), ("fitted, held-out folds", result.held_out))
            for name, m in by_set.items()]
    print_table((["set", "threshold", "answerable answered", "unanswerable abstained", "balanced", "items"],
                  sorted(rows)), f"abstention: {folds}-fold cross-validation")
    stdout.print(f"abstain_threshold chosen on all items: {result.chosen} (per fold: {result.per_fold}); wrote {out}")


@fit_app.command("setting")
def setting(
    name: str = typer.Argument(..., help="An answering or fusion setting, e.g. meaning_weight, section_weight."),
    values: list[float] = typer.Argument(..., help="Candidate values."),
    sets: list[str] = typer.Option(..., "--set", help=SET_HELP),
    k: int = typer.Option(5, "-k", "--k"),
    folds: int = typer.Option(5, "--folds"),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(None, "--out", help="Where to write the JSON result (default out/fit/NAME.json)."),
    as_json: bool = typer.Option(False, "--json"),
):
    """Cross-validate one answering or fusion setting on the answer score (each answerable item: the mean of its
    key-fact share and citation precision; each unanswerable one: 1 when abstained on), the sets weighing
    the same."""
    from cli.progress import item_progress
    from core.settings import Settings
    from surveyqa import SurveyQA, answer_score, asking, cross_validate_choice, evaluate

    if name not in Settings.model_fields:
        fail(f"unknown setting {name!r}")
    set_names, scores = [], {v: [] for v in values}
    for set_name, items, qa in _sets(sets):
        set_names += [set_name] * len(items)
        for value in values:
            try:
                chosen = Settings(**{**qa.settings.model_dump(), name: value})
                variant = SurveyQA(chosen, qa.retriever.tuned(chosen))
            except ValueError as exc:
                fail(f"{name}={value}: {exc}")
            with item_progress(err, f"{set_name} {name}={value}", len(items)) as tick:
                result = evaluate(items, asking(variant, k), qa.doc_texts, k, tick)
            failed = next((r["error"] for r in result.records if r.get("error")), None)
            if failed:
                fail(f"{set_name} with {name}={value}: {failed}")
            scores[value] += [answer_score(i, s) for i, s in zip(items, [p["scores"] for p in result.per_item])]
    result = cross_validate_choice(name, set_names, scores, folds, seed)
    if _write(result, out or Path(f"out/fit/{name}.json"), as_json):
        return
    rows = [[value, *map(str, means.values())] for value, means in result.by_value.items()]
    rows.append(["held-out folds", *map(str, result.held_out.values())])
    print_table(([name, *result.held_out], rows), f"{name}: mean answer score per set ({folds}-fold cross-validation)")
    stdout.print(f"{name} chosen on all items: {result.chosen} (per fold: {result.per_fold})")


@fit_app.command("adapter")
def adapter(
    train: str = typer.Option(..., "--train", help="NAME=GOLD.jsonl:INDEX_DIR of the training questions."),
    sets: list[str] = typer.Option(..., "--set", help=SET_HELP + " The strength is chosen on these."),
    strengths: list[float] = typer.Argument(..., help="Candidate strengths of the pull to the identity (inf: no adapter)."),
    k: int = typer.Option(5, "-k", "--k"),
    folds: int = typer.Option(5, "--folds"),
    seed: int = typer.Option(0, "--seed"),
    steps: int = typer.Option(300, "--steps", help="Optimiser steps per fit."),
    save: Path = typer.Option(None, "--save", help="Write the adapter of the chosen strength here (.npy + .json card)."),
    out: Path = typer.Option(Path("out/fit/adapter.json"), "--out", help="Where to write the JSON result."),
    as_json: bool = typer.Option(False, "--json"),
):
    """Fit the query adapter on --train; cross-validate its strength on the --set dev sets' recall@k."""
    from cli.progress import item_progress
    from surveyqa import answerable_items, cross_validate_choice, fit_adapters, hits_at_k, save_adapter, training_examples

    (train_name, train_items, train_qa), = _sets([train])
    examples = training_examples(train_qa.retriever, train_items)
    if not examples:
        fail(f"{train_name}: no answerable item with evidence found in its index")
    err.print(f"fitting {len(strengths)} adapters on {len(examples)} {train_name} questions")
    adapters = fit_adapters(examples, strengths, train_qa.settings.embedding_model, train_name, steps=steps)
    set_names, scores = [], {s: [] for s in adapters}
    for name, items, qa in _sets(sets):
        answerable = answerable_items(qa.retriever, items)
        for strength, fitted in adapters.items():
            with item_progress(err, f"{name} strength={strength}", len(answerable)) as tick:
                found = hits_at_k(qa.retriever, answerable, fitted, k, tick)
            scores[strength] += found
        set_names += [name] * len(found)
    result = cross_validate_choice("query_adapter_strength", set_names, scores, folds, seed)
    if save and adapters[result.chosen] is not None:
        save_adapter(save, adapters[result.chosen])
    if _write(result, out, as_json):
        return
    rows = [[value, *map(str, means.values())] for value, means in result.by_value.items()]
    rows.append(["held-out folds", *map(str, result.held_out.values())])
    print_table((["strength", *result.held_out], rows), f"query adapter: recall@{k} per set ({folds}-fold cross-validation)")
    saved = f"; wrote {save}" if save and adapters[result.chosen] is not None else ""
    stdout.print(f"strength chosen on all items: {result.chosen} (per fold: {result.per_fold}){saved}")


@fit_app.command("sentences")
def sentences(
    train: str = typer.Option(..., "--train", help="NAME=GOLD.jsonl:INDEX_DIR of the training questions."),
    strengths: list[float] = typer.Argument(..., help="Candidate L2 strengths of the logistic regression."),
    folds: int = typer.Option(5, "--folds"),
    seed: int = typer.Option(0, "--seed"),
    save: Path = typer.Option(Path("data/models/sentence_scorer.json"), "--save", help="Where to write the fitted model."),
    as_json: bool = typer.Option(False, "--json"),
):
    """Fit the answer-sentence scorer on --train; the L2 strength by cross-validation over its questions.
    The answerer's threshold on it is then chosen on the dev sets: `surveyqa fit setting answer_gate ...`."""
    from cli.progress import item_progress
    from surveyqa import fit_sentence_model, save_sentence_model, training_set

    (name, items, qa), = _sets([train])
    with item_progress(err, f"collecting {name}", len(items)) as tick:
        data = training_set(qa, items, tick)
    if not len(data.labels):
        fail(f"{name}: no question has a candidate sentence holding one of its key facts")
    result = fit_sentence_model(data, strengths, folds, seed)
    result.model.card.update(trained_on=name, questions=result.questions, units=result.units,
                             held_out_top1=result.held_out_top1)
    save_sentence_model(save, result.model)
    summary = {"held_out_top1": result.held_out_top1, "chosen_l2": result.chosen_l2, "questions": result.questions,
               "units": result.units, "weights": {f: round(float(w), 4) for f, w in zip(result.model.features, result.model.weights)},
               "saved": str(save)}
    if as_json:
        stdout.print_json(json.dumps(summary))
        return
    print_table((["l2", "held-out top-1"], [[k, str(v)] for k, v in result.held_out_top1.items()]),
                 f"sentence scorer: {folds}-fold cross-validation over {result.questions} {name} questions")
    print_table((["feature", "weight (per standard deviation)"], [[k, str(v)] for k, v in summary["weights"].items()]),
                 "fitted weights")
    stdout.print(f"l2 chosen: {result.chosen_l2}; wrote {save}")
