"""Fixtures for the UI tests: a tiny two-survey index built once, copied per mutating test."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from tests.ui.corpus_fixture import write_corpus  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory) -> Path:
    """``<tmp>/corpus`` (two surveys) and ``<tmp>/index`` built from it."""
    from index.build import build_index
    from core.settings import load_settings

    root = tmp_path_factory.mktemp("tiny")
    write_corpus(root / "corpus")
    settings = load_settings(index_dir=root / "index", corpus_dir=root / "corpus")
    report = build_index([settings.corpus_dir], settings)
    assert report.written and len(report.chunks_per_doc) == 2
    return root


def make_context(root: Path):
    from core.settings import load_settings
    from ui.context import AppContext

    ctx = AppContext(load_settings(index_dir=root / "index", corpus_dir=root / "corpus"))
    assert ctx.ensure_index().ready, ctx.status.error
    return ctx


@pytest.fixture(scope="session")
def ctx(tiny_root):
    """A ready, read-only app context over the tiny index (shared; do not modify the index)."""
    return make_context(tiny_root)


@pytest.fixture
def fresh_ctx(tiny_root, tmp_path):
    """An app context over a private copy of the tiny index, for tests that change it."""
    shutil.copytree(tiny_root / "corpus", tmp_path / "corpus")
    shutil.copytree(tiny_root / "index", tmp_path / "index", ignore=shutil.ignore_patterns(".lock"))
    return make_context(tmp_path)
