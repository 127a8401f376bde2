"""Shared fixtures: offline environment, a tiny two-document index and the real corpus index
(each built once per test session)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
DEV_GOLD = ROOT / "data" / "eval" / "dev.jsonl"

TINY_DOCS = {
    "alpha-survey.txt": """Alpha Survey of Segmentation Foundation Models

1. Introduction

Segmentation foundation models adapt large pretrained encoders to medical images [1]. The Zorblax model was trained on 42 million CT slices from 12 hospitals [2].

2. Models

Table 1: Summary of segmentation models.

Model\tBackbone\tTraining data Size
Zorblax [2]\tViT-B\t~42M
Quibble [3]\tResNet-50\t~7K

References

[1] A. Author, B. Author, Segmentation at scale, *Journal of Tests* 1 (2020) 1-10.
[2] C. Writer, Zorblax: a CT foundation model, *Imaging Letters* 2 (2024) 5-9.
[3] D. Person, Quibble: tiny models, *Small Venue* 3 (2023) 1-2.
""",
    "beta-review.md": """# Beta Review of Vision-Language Models

## Models

- Glimmer: A Vision-Language Model for Radiology Reports. [[paper]](https://example.org/glimmer)
  - Ada Lovelace, Grace Hopper.
  - Key Words: radiology; report generation.
  - <details><summary>Digest</summary>
    Glimmer pairs 900,000 chest radiographs with their reports and generates findings sections.
  </details>
""",
}


def hand_query(weights: dict[str, float], intent=None, text: str = "", prior: dict[str, float] | None = None):
    """A :class:`index.query.Query` with the given term weights and intent, for tests that need no
    index (it has no vector)."""
    from index.intent import Intent
    from index.query import Query

    return Query(text, intent or Intent(), weights, prior or {}, [], [], embed=None)


def build_small_index(base: Path, docs: dict[str, str]):
    """Write ``docs`` into ``base/corpus``, index them into ``base/index`` and return the settings."""
    from index.build import build_index
    from core.settings import load_settings

    corpus = base / "corpus"
    corpus.mkdir()
    for name, text in docs.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = load_settings(index_dir=base / "index", corpus_dir=corpus, model_dir=base / "models")
    build_index([corpus], settings)
    return settings


@pytest.fixture(scope="session")
def tiny_settings(tmp_path_factory):
    """Settings whose corpus is two tiny documents, with the index already built."""
    return build_small_index(tmp_path_factory.mktemp("tiny"), TINY_DOCS)


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory):
    """Settings over the bundled corpus, with its index built once for the session."""
    from index.build import build_index
    from core.settings import load_settings

    settings = load_settings(index_dir=tmp_path_factory.mktemp("corpus") / "index", corpus_dir=CORPUS)
    build_index([CORPUS], settings)
    return settings


@pytest.fixture(scope="session")
def corpus_qa(corpus_settings):
    from surveyqa.service import SurveyQA

    return SurveyQA(corpus_settings)
