"""Broad questions ("What are the main challenges ...?") are answered from a section's subsections."""
import pytest

from answer.outline_answer import asked_topic, asked_topics
from surveyqa.service import SurveyQA
from index.retrieval import Filters

SURVEY = {"kestrel-survey.txt": """Kestrel Survey of Retinal Foundation Models

1. Introduction

Retinal foundation models learn from fundus photographs and optical coherence tomography scans.

2. Challenges

Retinal foundation models face three main challenges, or obstacles, before clinical use.

2.1. Label Scarcity

Expert labels for retinal images are scarce and costly to collect across clinics.

2.2. Device Shift

Fundus cameras from different vendors shift the image statistics the challenges models see.

2.3. Regulatory Approval

Regulatory approval of retinal foundation models requires prospective clinical trials.

3. Conclusion

Retinal foundation models are promising but face these challenges.
""", "other-notes.txt": """Other Notes on Imaging

1. Challenges

1.1. Storage

Imaging archives need storage for the main retinal challenges.
"""}


@pytest.mark.parametrize("question, topic", [
    ("What are the main challenges for retinal foundation models?", {"challeng"}),
    ("Which key limitations remain?", {"limit"}), ("What is a challenge?", set()),
    ("What are the main open problems in image synthesis?", {"problem"}),  # stacked qualifiers
])
def test_broad_questions_name_what_they_list(question, topic):
    assert asked_topic(question) == topic


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    from tests.conftest import build_small_index

    return SurveyQA(build_small_index(tmp_path_factory.mktemp("outline"), SURVEY))


def test_the_subsections_of_the_section_on_the_topic_are_the_answer(qa):
    answer = qa.ask("What are the main challenges for retinal foundation models?",
                    filters=Filters(docs=["kestrel-survey.txt"]))
    assert not answer.abstained
    assert "Label Scarcity; Device Shift; Regulatory Approval" in answer.answer
    assert [c.section.split(" > ")[-1] for c in answer.citations] == ["2.1. Label Scarcity", "2.2. Device Shift",
                                                                     "2.3. Regulatory Approval"]
    assert all(c.doc == "kestrel-survey.txt" for c in answer.citations)


def test_the_filter_keeps_the_outline_to_the_selected_documents(qa):
    answer = qa.ask("What are the main challenges for retinal images?", filters=Filters(docs=["other-notes.txt"]))
    assert answer.citations and {c.doc for c in answer.citations} == {"other-notes.txt"}
    assert "Label Scarcity" not in answer.answer  # a one-subsection section is no outline


def test_a_broad_question_naming_a_section_falls_back_to_that_section():
    question = "What major obstacles to clinical use does the review set out in its Challenges section?"
    assert asked_topics(question) == [{"obstacl"}, {"challeng"}]
    assert asked_topics("What does the review say in its Methods section?") == []  # not a broad question


def test_the_named_section_is_outlined_and_the_survey_named_briefly(qa):
    answer = qa.ask("What main obstacles face retinal foundation models in the Challenges section of the Kestrel survey?",
                    filters=Filters(docs=["kestrel-survey.txt"]))
    assert "Label Scarcity; Device Shift; Regulatory Approval" in answer.answer, answer.answer
    assert "of Kestrel Survey of Retinal Foundation Models covers" in answer.answer
