"""Yes/no questions open with Yes or No, taken from the best evidence sentence, and stay cited."""
import pytest

from answer.strategies import verdict
from index.intent import detect_intent
from surveyqa.service import SurveyQA
from evaluation.metrics import first_word

PAPER = {"lumen-paper.md": """# Lumen: Tagging Clinical Notes

## Abstract

We present Lumen, a tagger for clinical notes.

## Data

The Lumen corpus was annotated by three trained nurses over six months.
The annotation guidelines were not released to the public because of hospital policy.

## Results

Lumen outperforms the rule-based baseline by 4.1 F1 points on the held-out notes.
"""}


@pytest.mark.parametrize("question, yes_no", [
    ("Was the corpus annotated by nurses?", True), ("did they release the guidelines?", True),
    ("Do they encode sentences separately or together?", False), ("What data was annotated?", False),
    ("Is Lumen better than the baseline?", True), ("How many nurses annotated it?", False),
])
def test_yes_no_questions_are_those_opening_with_an_auxiliary_and_offering_no_choice(question, yes_no):
    assert detect_intent(question).yes_no is yes_no


@pytest.mark.parametrize("evidence, expected", [
    ("The guidelines were not released.", "No"), ("It can't run on CPUs.", "No"),
    ("No model was trained on CT.", "No"), ("Lumen outperforms the baseline.", "Yes"),
    ("Notably, the nurses annotated it.", "Yes"),
])
def test_the_verdict_follows_the_evidence(evidence, expected):
    assert verdict(evidence) == expected


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    from tests.conftest import build_small_index

    return SurveyQA(build_small_index(tmp_path_factory.mktemp("yesno"), PAPER))


@pytest.mark.parametrize("question, expected, evidence", [
    ("Was the Lumen corpus annotated by trained nurses?", "yes", "three trained nurses"),
    ("Were the annotation guidelines released to the public?", "no", "not released"),
])
def test_answers_open_with_the_verdict_and_cite_the_sentence(qa, question, expected, evidence):
    answer = qa.ask(question)
    assert not answer.abstained and first_word(answer.answer) == expected
    assert any(evidence in c.quote for c in answer.citations)
    assert answer.answer.split(".")[1].strip()  # the evidence sentence follows the verdict
