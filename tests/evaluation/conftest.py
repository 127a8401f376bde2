"""A tiny two-document index and a gold set whose retrieval numbers are known by construction:
the corpus has so few chunks that every chunk is in the top 5 for every question."""
from __future__ import annotations

import json
import os

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

EVAL_DOCS = {
    "gamma-survey.txt": """Gamma Survey of Retinal Imaging Models

1. Introduction

Retinal foundation models are pretrained on fundus photographs. The Fundora model was trained on 1.6 million fundus images collected in 9 countries.

2. Evaluation

Fundora reached an AUROC of 0.94 on diabetic retinopathy grading.
""",
    "delta-review.txt": """Delta Review of Pathology Language Models

1. Overview

Pathology language models align whole-slide images with diagnostic text. The Slidewise model uses a contrastive objective over 300,000 slide-report pairs.
""",
}

GOLD = [
    {"id": "g-1", "question": "Which retinal model was pretrained on 1.6 million fundus images?", "answer": "Fundora.",
     "key_facts": ["Fundora"], "type": "factoid", "difficulty": "easy",
     "evidence": [{"doc": "gamma-survey.txt",
                   "quote": "The Fundora model was trained on 1.6 million fundus images collected in 9 countries."}]},
    {"id": "g-2", "question": "What AUROC did Fundora achieve for diabetic retinopathy grading?", "answer": "0.94.",
     "key_facts": ["0.94"], "type": "numeric", "difficulty": "medium",
     "evidence": [{"doc": "gamma-survey.txt", "quote": "Fundora reached an AUROC of 0.94 on diabetic retinopathy grading."}]},
    {"id": "g-3", "question": "How many slide-report pairs does the Slidewise contrastive objective use?",
     "answer": "300,000 pairs.", "key_facts": ["300,000"], "type": "numeric", "difficulty": "hard",
     "evidence": [{"doc": "delta-review.txt",
                   "quote": "The Slidewise model uses a contrastive objective over 300,000 slide-report pairs."}]},
    {"id": "g-4", "question": "What learning rate schedule was used to fine-tune Slidewise on kidney biopsies?",
     "answer": "The surveys do not say.", "key_facts": [], "evidence": [], "type": "unanswerable", "difficulty": "hard"},
]


@pytest.fixture(scope="session")
def eval_settings(tmp_path_factory):
    """Settings over the two EVAL_DOCS with the index built."""
    from tests.conftest import build_small_index

    return build_small_index(tmp_path_factory.mktemp("evaltiny"), EVAL_DOCS)


@pytest.fixture(scope="session")
def eval_qa(eval_settings):
    from surveyqa.service import SurveyQA

    return SurveyQA(eval_settings)


@pytest.fixture(scope="session")
def gold_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in GOLD), encoding="utf-8")
    return path
