"""The offline answerer end to end on the tiny corpus: cited, short, abstaining when unsupported."""
import json

import pytest

from answer.records import Answer
from surveyqa.service import ABSTAIN_TEXT, QuestionError, SurveyQA


@pytest.fixture(scope="module")
def qa(tiny_settings):
    return SurveyQA(tiny_settings)


def test_answer_is_cited_and_its_citation_points_at_the_passage(qa):
    answer = qa.ask("How many CT slices was the Zorblax model trained on?")
    assert not answer.abstained and "42 million" in answer.answer and "[1]" in answer.answer
    citation = answer.citations[0]
    text = qa.doc_texts[citation.doc]
    assert citation.doc == "alpha-survey.txt" and text[citation.start:citation.end] == citation.text
    assert "42 million" in text[citation.quote_start:citation.quote_end]
    assert citation.reference and "Zorblax: a CT foundation model" in citation.reference
    assert len(answer.answer) <= qa.settings.max_answer_chars
    assert answer.retrieved and answer.retrieved[0].rank == 1


def test_attribute_question_uses_the_table_row(qa):
    answer = qa.ask("What backbone does Quibble use?")
    assert "ResNet-50" in answer.answer
    assert answer.citations[0].kind == "table-row"


def test_authors_come_from_the_paper_list(qa):
    answer = qa.ask("Who are the authors of Glimmer?")
    assert "Ada Lovelace" in answer.answer and "Grace Hopper" in answer.answer
    assert "example.org" not in answer.answer and "Key Words" not in answer.answer, answer.answer  # not asked


def test_a_record_shows_its_link_only_when_the_question_asks_for_it(qa):
    from answer.table_lookup import focused_row
    from index.text import tokenize

    entry = next(c for c in qa.retriever.chunks if c.kind == "list-item" and "Link" in c.fields)
    asked = {t: 1.0 for t in tokenize("Where is the Glimmer paper linked from?")}
    assert "example.org" in focused_row(entry, asked)
    assert "example.org" not in focused_row(entry, {t: 1.0 for t in tokenize("What does Glimmer generate?")})


def test_unsupported_question_abstains_and_keeps_closest_passages(qa):
    answer = qa.ask("What is the boiling point of liquid nitrogen on Mars?")
    assert answer.abstained and answer.answer == ABSTAIN_TEXT and answer.citations == []
    assert answer.retrieved


@pytest.mark.parametrize("question", ["", "   ", "x" * 50_000])
def test_bad_questions_raise_a_clear_error(qa, question):
    with pytest.raises(QuestionError, match="empty|limit"):
        qa.ask(question)


def test_answer_record_is_json_and_round_trips(qa):
    answer = qa.ask("What backbone does Zorblax use?", question_id="q-1")
    data = json.loads(json.dumps(answer.to_dict()))
    assert {"id", "question", "answer", "abstained", "citations", "retrieved", "latency_ms"} <= set(data)
    assert {"marker", "chunk_id", "doc", "start", "end", "text", "section", "page", "reference"} <= set(data["citations"][0])
    assert Answer.from_dict(data) == answer


def test_every_passage_and_citation_text_is_the_document_slice(qa):
    answer = qa.ask("What backbone does Quibble use?", k=5)
    texts = qa.doc_texts
    for record in [*answer.retrieved, *answer.citations]:
        assert texts[record.doc][record.start:record.end] == record.text
    row = answer.citations[0]
    assert "\t" in row.text and row.rendered and "Backbone: ResNet-50" in row.rendered


@pytest.mark.parametrize("question", ["How many CT slices was the Zorblax model trained on?",
                                      "What backbone does Quibble use?", "Who are the authors of Glimmer?"])
def test_every_marker_in_the_answer_is_one_of_its_citations(qa, question):
    import re

    answer = qa.ask(question)
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.marker for c in answer.citations}, "the survey's own [n] markers must not leak into the answer"


def test_question_terms_keep_their_order_so_every_process_answers_alike(qa):
    """Term weights follow the question's word order, not set order (which changes with
    PYTHONHASHSEED), so ties between equally rare terms break the same way in every process."""
    from index.text import tokenize

    question = "Which zeta alpha model and which beta gamma dataset does Glimmer use for reports?"
    weights = qa.retriever.analyse(question).weights
    assert list(weights) == list(dict.fromkeys(tokenize(question)))
