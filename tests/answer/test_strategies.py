"""The answer strategies: each proposes for the questions it is meant for, they are tried in their
declared order, the question is analysed once, and support (so abstention) ignores ranking bonuses."""
import pytest

from answer.extractive import ExtractiveAnswerer
from answer.ranking import BONUSES, Ranker
from answer.selection import Selector
from answer.strategies import ORDER, Draft, strategies
from core.settings import Settings
from index.retrieval import Retriever
from surveyqa.service import SurveyQA
from tests.conftest import build_small_index

DOCS = {
    "heron-survey.txt": """Heron Survey of Imaging Models

1. Models

Table 1: Imaging models and their data.

Model\tModality\tTraining data
Zorblax [1]\tSonar\t42M slices
Quibble [2]\tMRI\t3M scans
Frobnik [3]\tSonar\t7M slices
Gleep [4]\tX-ray\t1M images

The Zorblax model segments organs in CT scans with second-order graph matching [1].

2. Challenges

Imaging models face two main challenges before clinical use.

2.1. Data Scarcity

Labelled scans are scarce and costly to annotate, a challenge for imaging models.

2.2. Patient Privacy

Patient scans cannot leave the hospitals that hold them, which challenges imaging models.

References

[1] C. Writer, Zorblax: a CT foundation model, *Imaging Letters* 2 (2024) 5-9.
[2] D. Person, Quibble: tiny models, *Small Venue* 3 (2023) 1-2.
""",
    "ibis-review.txt": """Ibis Review of Scanners

1. Data

The Zorblax model was trained on 30M slices of CT data.
""",
}


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    return SurveyQA(build_small_index(tmp_path_factory.mktemp("heron"), DOCS))


@pytest.mark.parametrize("question, strategy", [
    ("Which models have the sonar modality?", "table-listing"),
    ("Compare Zorblax and Quibble", "comparison"),
    ("What are the main challenges for imaging models?", "outline"),
    ("How many slices was Zorblax trained on?", "cross-survey"),
    ("Who are the authors of the work on second-order graph matching cited by the survey?", "reference-entry"),
    ("What does the Zorblax model segment in CT scans?", "sentences"),
])
def test_each_strategy_answers_the_questions_it_is_for(qa, question, strategy):
    answer = qa.ask(question)
    assert not answer.abstained and answer.strategy == strategy, (answer.strategy, answer.answer)


def test_the_strategies_are_tried_in_the_declared_order():
    assert [s.name for s in strategies(None, Selector(Settings()))] == list(ORDER)
    assert ORDER[-1] == "sentences"  # the fallback that always proposes comes last


def test_the_first_strategy_that_proposes_wins(qa):
    class Stub:
        def __init__(self, name, proposes):
            self.name, self.proposes = name, proposes

        def propose(self, query, candidates):
            return Draft([], candidates.support, strategy=self.name) if self.proposes else None

    answerer = ExtractiveAnswerer(qa.retriever, qa.settings)
    answerer.strategies = [Stub("a", False), Stub("b", True), Stub("c", True)]
    query = qa.retriever.analyse("What does the Zorblax model segment?")
    assert answerer.compose(query, qa.retriever.search(query, 5), qa.doc_texts).strategy == "b"


def test_the_question_is_analysed_once_per_answer(qa, monkeypatch):
    calls = []
    analyse = Retriever.analyse
    mentioned = type(qa.retriever.entities).mentioned
    monkeypatch.setattr(Retriever, "analyse", lambda self, text: calls.append("analyse") or analyse(self, text))
    monkeypatch.setattr(type(qa.retriever.entities), "mentioned",
                        lambda self, text, *a: calls.append("names") or mentioned(self, text, *a))
    qa.ask("What does the Zorblax model segment in CT scans?")
    assert calls == ["analyse", "names"]


def test_support_is_the_evidence_alone_whatever_the_ranking_bonuses(qa):
    question = "What does the Zorblax model segment in CT scans?"
    without = qa.settings.model_copy(update={name: 0.0 for name, _ in BONUSES} | {"meaning_weight": 0.0})
    assert SurveyQA(without, retriever=qa.retriever).ask(question).support == qa.ask(question).support


def test_explain_lists_every_signal_that_applied_and_adds_up(qa):
    query = qa.retriever.analyse("How many slices was Zorblax trained on?")
    unit = ExtractiveAnswerer(qa.retriever, qa.settings).candidates(query, qa.retriever.search(query, 5), qa.doc_texts).units[0]
    ranker = Ranker.from_settings(qa.settings)
    parts = ranker.parts(query, unit, 0.5)
    assert parts["number_bonus"] == pytest.approx(qa.settings.number_bonus) and "enumeration_bonus" not in parts
    text = ranker.explain(query, unit, 0.5)
    assert all(name in text for name in parts) and text.endswith(f"= {ranker.score(query, unit, 0.5):.3f}")


def test_a_yes_no_question_opens_with_the_verdict_whichever_strategy_answers(qa):
    answer = qa.ask("Is Zorblax trained on slices?")
    assert answer.strategy == "cross-survey" and answer.answer.startswith("Yes. The surveys disagree"), answer.answer


def test_a_long_table_listing_gives_the_count_and_names_the_first_rows(tmp_path):
    rows = "\n".join(f"Model{i} [{i}]\t{'X-ray' if i == 0 else 'Sonar'}\t{i}M slices" for i in range(12))
    doc = f"""Egret Survey of Imaging Models

1. Models

Table 1: Imaging models and their data.

Model\tModality\tTraining data
{rows}
"""
    qa = SurveyQA(build_small_index(tmp_path, {"egret-survey.txt": doc}))
    answer = qa.ask("Which models have the sonar modality?")
    assert answer.strategy == "table-listing", answer.answer
    assert answer.answer.startswith("11 rows of “Table 1: Imaging models and their data.” match, among them Model1, Model2")
    assert "and 3 more" in answer.answer and "Model0" not in answer.answer
    assert len(answer.citations) == 8 and all(c.kind == "table-row" for c in answer.citations)
