"""'Compare A and B' is answered from the catalog: one cited sentence per model with the attributes
that differ; a question about one aspect beyond the catalog's attributes is left to the sentences."""
import pytest

from answer.compare_answer import comparison_claims, compared_attributes
from surveyqa.service import SurveyQA
from index.retrieval import Filters


@pytest.fixture(scope="module")
def qa(tiny_settings):
    return SurveyQA(tiny_settings)


@pytest.mark.parametrize("question, expected", [
    ("Compare Zorblax and Quibble", "all"),
    ("How does Zorblax differ from Quibble?", "all"),
    ("Compare the backbones of Zorblax and Quibble", ("backbone",)),
    ("How do Zorblax and Quibble differ in the way they reduce interference?", None),
    ("What backbone does Zorblax use?", None),
])
def test_which_questions_compare_the_models_as_such(question, expected):
    found = compared_attributes(question, ["Zorblax", "Quibble"])
    assert (found is not None and len(found) > 1) if expected == "all" else found == expected


def test_compare_gives_each_models_differing_attributes_cited(qa):
    answer = qa.ask("Compare Zorblax and Quibble")
    assert not answer.abstained and answer.answer.index("Zorblax") < answer.answer.index("Quibble")
    assert "ViT-B" in answer.answer and "ResNet-50" in answer.answer
    assert [c.kind for c in answer.citations] == ["table-row", "table-row"]
    texts = qa.doc_texts
    assert "ViT-B" in texts[answer.citations[0].doc][answer.citations[0].start:answer.citations[0].end]


def test_a_model_the_surveys_do_not_record_is_said_to_be_missing(qa):
    claims, hits = comparison_claims("Compare Zorblax and Nonexisto", ["Zorblax", "Nonexisto"], qa.catalog,
                                     qa.retriever.by_id)
    assert len(claims) == 1 and claims[0].text.startswith("Zorblax: ") and "do not record Nonexisto" in claims[0].text
    assert [h.chunk.id for h in hits] == [claims[0].sources[0][0]]


def test_the_comparison_keeps_to_the_selected_documents(qa):
    args = ("Compare Zorblax and Quibble", ["Zorblax", "Quibble"], qa.catalog, qa.retriever.by_id)
    assert len(comparison_claims(*args, docs=["alpha-survey.txt"])[0]) == 2
    assert comparison_claims(*args, docs=["beta-review.md"]) == ([], [])
    answer = qa.ask("Compare Zorblax and Quibble", filters=Filters(docs=["beta-review.md"]))
    assert all(c.doc == "beta-review.md" for c in answer.citations)
