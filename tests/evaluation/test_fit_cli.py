"""`surveyqa fit` end to end on the tiny eval index: every subcommand writes its JSON result with
held-out figures per set, and bad input fails clearly."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli.main import app


def _fit(*args):
    return CliRunner().invoke(app, ["fit", *args])


@pytest.fixture(scope="module")
def sets(eval_settings, gold_path):
    # the same small set twice under two names: fits must treat sets apart and agree on both
    spec = f"{gold_path}:{eval_settings.index_dir}"
    return ["--set", f"one={spec}", "--set", f"two={spec}"]


def test_fit_fusion(sets, tmp_path):
    result = _fit("fusion", *sets, "--folds", "3", "--out", str(tmp_path / "f.json"), "--json")
    assert result.exit_code == 0, result.output
    fit = json.loads((tmp_path / "f.json").read_text())
    assert set(fit["held_out"]) == {"one", "two"} and fit["held_out"]["one"] == fit["held_out"]["two"]
    assert fit["baseline"]["one"]["items"] == 3 and 0.0 <= fit["held_out"]["one"]["mrr"] <= 1.0
    assert {"dense_weight", "unit_weight", "method"} <= set(fit["chosen"]) and len(fit["per_fold"]) == 3


def test_fit_abstention(sets, tmp_path):
    result = _fit("abstention", *sets, "--folds", "2", "--out", str(tmp_path / "a.json"))
    assert result.exit_code == 0, result.output
    fit = json.loads((tmp_path / "a.json").read_text())
    assert fit["current"]["one"]["items"] == 4 and "abstain_threshold chosen on all items" in result.output


def test_fit_setting_checks_values_through_the_settings(sets, tmp_path):
    result = _fit("setting", "answer_candidates", "2", "8", *sets, "--folds", "2", "--out", str(tmp_path / "s.json"))
    assert result.exit_code == 0, result.output
    fit = json.loads((tmp_path / "s.json").read_text())
    assert set(fit["by_value"]) == {"2.0", "8.0"} and fit["chosen"] in (2.0, 8.0)
    assert fit["by_value"]["8.0"]["one"] > 0, "answered, not failed: 8.0 was taken as the int 8"
    assert _fit("setting", "no_such_setting", "1", *sets).exit_code == 2
    assert _fit("setting", "top_k", "-3.5", *sets).exit_code == 2


def test_a_bad_set_spec_is_refused():
    result = _fit("fusion", "--set", "nameonly")
    assert result.exit_code == 2 and "NAME=GOLD.jsonl:INDEX_DIR" in result.output


def test_fit_adapter_fits_on_the_training_set_chooses_on_the_dev_sets_and_saves(sets, eval_settings, gold_path, tmp_path):
    from index.adapter import load_adapter

    train = ["--train", f"train={gold_path}:{eval_settings.index_dir}", *sets, "--folds", "2", "--steps", "20"]
    saved = tmp_path / "adapter.npy"
    result = _fit("adapter", "inf", "0.5", *train, "--out", str(tmp_path / "ad.json"))
    assert result.exit_code == 0, result.output
    fit = json.loads((tmp_path / "ad.json").read_text())
    assert set(fit["by_value"]) == {"inf", "0.5"} and set(fit["held_out"]) == {"one", "two"} and len(fit["per_fold"]) == 2
    assert _fit("adapter", "0.5", *train, "--save", str(saved)).exit_code == 0
    card = load_adapter(saved, eval_settings.embedding_model, 384).card
    assert card["strength"] == 0.5 and card["trained_on"] == "train" and card["steps"] == 20
    assert _fit("adapter", "inf", *train, "--save", str(tmp_path / "none.npy")).exit_code == 0
    assert not (tmp_path / "none.npy").exists(), "no adapter is saved when none is chosen"
