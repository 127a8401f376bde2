"""The agent's record tools honour the user's survey filter: nothing from an unselected survey is
shown to the model or added to the evidence."""
import re

import pytest

from surveyqa.service import SurveyQA
from agent.tools import Evidence, make_tools
from index.retrieval import Filters
from tests.conftest import TINY_DOCS, build_small_index

# A third survey that also records Zorblax (with other values) and Glimmer.
GAMMA = """Gamma Notes on CT Models

1. Models

Table 1: CT foundation models.

Model\tBackbone\tTraining data Size
Zorblax [1]\tViT-L\t~40M
Glimmer [2]\tSwin-T\t~900K

The Zorblax model was trained on 40 million CT slices [1].

References

[1] C. Writer, Zorblax: a CT foundation model, *Imaging Letters* 2 (2024) 5-9.
[2] E. Ray, Glimmer, *Radiology Notes* 4 (2022) 1-3.
"""
SELECTED = "gamma-notes.txt"


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    return SurveyQA(build_small_index(tmp_path_factory.mktemp("three"), {**TINY_DOCS, SELECTED: GAMMA}))


def run(qa, tool, args, docs=(SELECTED,)):
    """The tool's output and the documents of every passage it showed or added to the evidence."""
    evidence = Evidence()
    tools = {t.name: t for t in make_tools(qa, evidence, filters=Filters(docs=list(docs)))}
    text = tools[tool].invoke(args)
    shown = {qa.retriever.by_id[i].doc for i in re.findall(r"\[id:([0-9a-f]+)\]", text)}
    return text, shown, {c.doc for c in evidence.chunks.values()}


def test_lookup_model_shows_only_the_selected_surveys_rows(qa):
    text, shown, cited = run(qa, "lookup_model", {"name": "Zorblax"})
    assert "ViT-L" in text and "ViT-B" not in text
    assert shown == cited == {SELECTED}
    text, shown, cited = run(qa, "lookup_model", {"name": "Quibble"})  # recorded by alpha-survey.txt only
    assert "No model named 'Quibble' in the selected surveys" in text and not shown | cited


def test_compare_models_takes_each_models_entry_from_the_selected_surveys(qa):
    text, shown, cited = run(qa, "compare_models", {"names": ["Zorblax", "Glimmer", "Quibble"]})
    assert "ViT-L" in text and "Swin-T" in text and "ViT-B" not in text
    assert "Quibble: not found in the selected surveys" in text
    assert shown == cited == {SELECTED}


def test_what_surveys_say_keeps_the_selected_surveys_statements(qa):
    everywhere, shown, _ = run(qa, "what_surveys_say", {"name": "Zorblax"}, docs=())
    assert "DISAGREE" in everywhere and shown == {"alpha-survey.txt", SELECTED}  # 42M vs 40M
    text, shown, cited = run(qa, "what_surveys_say", {"name": "Zorblax"})
    assert f"discussed in: {SELECTED}\n" in text and "DISAGREE" not in text and "40 million" in text
    assert shown == cited == {SELECTED}
    text, shown, cited = run(qa, "what_surveys_say", {"name": "Zorblax"}, docs=["beta-review.md"])
    assert text == "No model named 'Zorblax' in the selected surveys." and not shown | cited
