"""``surveyqa fit``: fit the hybrid fusion weights by k-fold cross-validation over several
gold sets, each over its own index, and report the held-out-fold figures beside today's."""
from __future__ import annotations

import json
from pathlib import Path

import typer


def _parse_set(spec: str) -> tuple[str, Path, Path]:
    """``NAME=GOLD.jsonl:INDEX_DIR``."""
    name, _, rest = spec.partition("=")
    gold, _, index = rest.rpartition(":")
    if not (name and gold and index):
        raise typer.BadParameter(f"{spec!r}: expected NAME=GOLD.jsonl:INDEX_DIR")
    return name, Path(gold), Path(index)


def fit(
    sets: list[str] = typer.Option(..., "--set", help="NAME=GOLD.jsonl:INDEX_DIR (repeat for every dev set)."),
    k: int = typer.Option(5, "-k", "--k"),
    folds: int = typer.Option(5, "--folds"),
    seed: int = typer.Option(0, "--seed"),
    out: Path = typer.Option(Path("out/fit/fusion.json"), "--out", help="Where to write the JSON result."),
    as_json: bool = typer.Option(False, "--json"),
):
    """Cross-validate the hybrid fusion (channel weights, bonuses, weighted or RRF) over the sets."""
    from evaluation.fit import collect, cross_validate
    from evaluation.gold import GoldError, load_gold
    from index.retrieval import make_fusion
    from surveyqa.cli import _fail, _print_table, _service, _settings, err, out as stdout
    from surveyqa.progress import item_progress

    candidates, settings = [], None
    for spec in sets:
        name, gold, index = _parse_set(spec)
        try:
            items = load_gold(gold)
        except GoldError as exc:
            _fail(str(exc))
        settings = _settings(index)
        retriever = _service(settings).retriever
        with item_progress(err, f"collecting {name}", len(items)) as tick:
            candidates.extend(collect(retriever, items, name, settings.candidate_k, settings.rrf_k, tick))
    result = cross_validate(candidates, make_fusion(settings), k=k, folds=folds, seed=seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result.to_dict(), indent=2))
    if as_json:
        stdout.print_json(json.dumps(result.to_dict()))
        return
    rows = [[name, "settings now", f"{b['recall_at_k']:.3f}", f"{b['mrr']:.3f}", str(b["items"])]
            for name, b in result.baseline.items()]
    rows += [[name, "fitted, held-out folds", f"{h['recall_at_k']:.3f}", f"{h['mrr']:.3f}", str(h["items"])]
             for name, h in result.held_out.items()]
    _print_table((["set", "fusion", f"recall@{k}", "MRR", "items"], sorted(rows)), f"{folds}-fold cross-validation")
    _print_table((["setting", "chosen on all items"], [[key, str(v)] for key, v in result.chosen.items()]),
                 "fitted fusion")
    stdout.print(f"wrote {out}")
