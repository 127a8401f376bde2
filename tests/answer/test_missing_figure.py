"""A question that asks for a figure the evidence does not give is answered with what was found,
said to lack the figure, cited, and counted as an abstention."""
import pytest

from index.intent import detect_intent, measure_words
from surveyqa.service import SurveyQA

PAPER = {"orrery-review.txt": """Orrery Review of Retinal Models

1. Models

The Orrery model pairs fundus photographs with clinical notes using a transformer encoder.
The Orrery encoder was pretrained on fundus photographs collected in eleven clinics.
""", "lumen-review.txt": """Lumen Review of Dermatology Models

1. Evaluation

The Lumen classifier was tested on 4 dermoscopy cohorts from 2 countries.
Lumen reaches an accuracy of 91% on melanoma triage.
"""}


@pytest.mark.parametrize("question, numeric", [
    ("What AUROC does Orrery achieve on glaucoma screening?", True),
    ("How many parameters does the Orrery encoder have?", True),
    ("What data does the model get trained on?", False), ("What does Orrery do?", False),
])
def test_figure_questions(question, numeric):
    assert detect_intent(question).numeric is numeric


@pytest.mark.parametrize("question, words", [
    ("What Dice similarity coefficient does MedSAM reach on abdominal CT?", "Dice similarity coefficient"),
    ("What AUROC did the model obtain on RSNA pneumonia?", "AUROC"),
    ("How many parameters does the Orrery encoder have?", ""), ("What does Orrery do?", ""),
])
def test_the_measure_a_figure_question_names(question, words):
    assert measure_words(question) == words


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    from tests.conftest import build_small_index

    return SurveyQA(build_small_index(tmp_path_factory.mktemp("figure"), PAPER))


def test_a_missing_figure_is_said_and_the_closest_passage_cited(qa):
    answer = qa.ask("How many fundus photographs was the Orrery encoder pretrained on?")
    assert answer.abstained and answer.answer.startswith("The documents do not give the figure asked for")
    assert answer.citations and "Orrery encoder" in answer.citations[0].quote


def test_a_question_the_evidence_answers_in_words_is_answered(qa):
    answer = qa.ask("Where were the fundus photographs for the Orrery encoder collected?")
    assert not answer.abstained and "eleven clinics" in answer.answer


def test_a_figure_of_another_measure_does_not_answer_the_one_asked_for(qa):
    """The passage has numbers (cohorts, countries) but no sensitivity: the figure is missing."""
    answer = qa.ask("What sensitivity does the Lumen classifier achieve on dermoscopy cohorts?")
    assert answer.abstained and answer.answer.startswith("The documents do not give the figure asked for")
    assert "Lumen" in answer.citations[0].quote


def test_a_figure_of_the_measure_asked_for_is_answered(qa):
    answer = qa.ask("What accuracy does Lumen reach on melanoma triage?")
    assert not answer.abstained and "91%" in answer.answer
