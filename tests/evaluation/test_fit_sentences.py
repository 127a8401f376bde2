"""Fitting the answer-sentence scorer on the tiny eval index: the examples are the answerer's own
candidate sentences labelled by the key facts, and `surveyqa fit sentences` saves a model the
answerer can load."""
from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from answer.sentence_model import FEATURES, load_model
from evaluation.fit_sentences import fit_sentence_model, training_set
from evaluation.gold import load_gold
from cli.main import app


def test_every_question_with_a_key_fact_sentence_gives_labelled_rows(eval_qa, gold_path):
    data = training_set(eval_qa, load_gold(gold_path))
    assert data.matrix.shape == (len(data.labels), len(FEATURES))
    assert len(np.unique(data.groups)) == 3  # the three answerable items; the unanswerable one has no key facts
    for group in np.unique(data.groups):
        assert data.labels[data.groups == group].sum() >= 1  # each question's key-fact sentence is among its rows
    assert data.labels.sum() < len(data.labels)  # and the other candidate sentences are negatives


def test_the_l2_strength_is_chosen_on_held_out_questions(eval_qa, gold_path):
    fit = fit_sentence_model(training_set(eval_qa, load_gold(gold_path)), [0.1, 10.0], folds=3)
    assert set(fit.held_out_top1) == {"0.1", "10.0"} and fit.chosen_l2 in (0.1, 10.0)
    assert all(0.0 <= v <= 1.0 for v in fit.held_out_top1.values()) and fit.questions == 3


def test_fit_sentences_saves_a_model_with_its_card(eval_settings, gold_path, tmp_path):
    save = tmp_path / "scorer.json"
    result = CliRunner().invoke(app, ["fit", "sentences", "--train", f"tiny={gold_path}:{eval_settings.index_dir}",
                                      "0.1", "1", "--folds", "3", "--save", str(save)])
    assert result.exit_code == 0, result.output
    model = load_model(save)
    assert model.card["trained_on"] == "tiny" and model.card["questions"] == 3
    assert set(json.loads(save.read_text())["card"]["held_out_top1"]) == {"0.1", "1.0"} and "l2 chosen" in result.output
