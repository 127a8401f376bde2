"""What the offline answerer prefers: the sentence that defines the term asked about, and prose
over bibliography entries unless the question asks who wrote or where something appeared."""
import pytest

from answer.extractive import ExtractiveAnswerer
from answer.ranking import Ranker, introduced
from answer.selection import adjacent, enumeration_after, same_passage
from core.settings import Settings
from index.intent import Intent, detect_intent
from surveyqa.service import SurveyQA
from index.retrieval import Hit
from index.text import tokenize
from index.units import Unit, units_of
from ingest.records import Chunk
from tests.conftest import build_small_index, hand_query

GAMMA = """Gamma Review of Model Taxonomies

1. Taxonomy

Recent models of every group are listed in Table 2, with TQ-VFM and RX-VLFM models among them. Each group of models, TQ-VFM included, is compared in Section 3.

Token-quantised vision foundation models (TQ-VFMs): they compress images into discrete tokens and are trained with masked token prediction.

2. Pathology models

Table 1: Summary of pathology models.

Model\tImage Encoder Backbone\tImaging Domain\tTraining data Size
CONCH [5]\tCoCa\tPathology\t~1.17M
SlideChat [6]\tCONCH\tPathology\t~175K
SAM [7]\tViT-H\tNatural images\t~11M

A notable example is Segment Anything Model (SAM) [7], which segments any object from point or box prompts.

3. Graph methods

Snorkel learns self-supervised vision models with second-order graph matching across 1.3M images from 55 datasets [4].

References

[4] E. Someone, F. Other, Snorkel: learning large-scale self-supervised vision models via second-order graph matching, *Advances in Tests* 36 (2023) 1-9.
"""


def _prose_chunk(chunk_id: str, text: str, start: int = 0) -> Chunk:
    """A prose passage of one small document, spanning ``text`` from offset ``start``."""
    return Chunk(id=chunk_id, doc="d.txt", doc_title="D", section=[], kind="text", text=text, start=start,
                 end=start + len(text), line_start=1, line_end=1)


@pytest.fixture(scope="module")
def qa(tmp_path_factory):
    return SurveyQA(build_small_index(tmp_path_factory.mktemp("gamma"), {"gamma-review.txt": GAMMA}))


@pytest.mark.parametrize("question", ["What is a TQ-VFM?", "In the taxonomy of the review, what is a TQ-VFM and how is it trained?",
                                      "Define TQ-VFM.", "What distinguishes TQ-VFMs from other models?"])
def test_definition_questions_are_recognised_after_a_leading_clause(question):
    assert detect_intent(question).definition


@pytest.mark.parametrize("question, structural", [
    ("Which subsections make up the Research Areas part?", True),
    ("What sections does the review have?", True),
    ("What are the size figures of MIMIC-CXR in the Report Generation section?", False),
    ("In section 4, how large is the dataset?", False),
    ("What does Section 4 say about MedSAM?", False),
    ("What parts of the body does MedSAM segment?", False),
])
def test_only_questions_about_the_outline_are_structural(question, structural):
    assert detect_intent(question).structure == structural


@pytest.mark.parametrize("question, bibliographic", [
    ("Which paper does the review cite for MedSAM?", True),
    ("Who wrote the paper cited in the review?", True),
    ("Which publication is cited for Med-PaLM M?", True),
    ("What did the studies cited in the review find?", False),
    ("What AUC did the method cited by the review reach?", False),
])
def test_cited_in_or_by_only_places_the_question_it_does_not_ask_for_a_reference(question, bibliographic):
    assert detect_intent(question).bibliographic == bibliographic


@pytest.mark.parametrize("question, numeric", [
    ("What are the size figures and provenance of MIMIC-CXR?", True),
    ("What amount of training data does CONCH use?", True),
    ("How many studies used public data?", True),
    ("Which backbone does CONCH use?", False),
])
def test_questions_asking_for_sizes_amounts_or_counts_are_numeric(question, numeric):
    assert detect_intent(question).numeric == numeric


def test_a_which_question_is_not_a_definition():
    assert not detect_intent("Which models use a ViT backbone?").definition


def test_a_spelled_out_term_is_introduced_but_a_mere_mention_is_not():
    assert set(tokenize("TQ-VFMs")) <= introduced("Token-quantised vision foundation models (TQ-VFMs): they compress")
    assert not introduced("The taxonomy groups models into TQ-VFMs and RX-VLFMs (see Table 2).")


def test_the_defining_sentence_answers_what_a_term_is(qa):
    answer = qa.ask("According to the review, what is a TQ-VFM?")
    first = answer.answer.split("[1]")[0]
    assert "masked token prediction" in first, answer.answer


def test_a_content_question_is_answered_from_prose_not_the_reference_list(qa):
    answer = qa.ask("Which approach learns large-scale self-supervised vision models with second-order graph matching, and on how many images?")
    assert "1.3M images" in answer.answer
    assert all(c.kind != "reference" for c in answer.citations), answer.answer


def test_a_who_wrote_question_still_gets_the_reference_entry(qa):
    answer = qa.ask("Who are the authors of the work on second-order graph matching cited by the review?")
    assert "E. Someone" in answer.answer, answer.answer


def test_a_question_naming_a_model_gets_no_rows_about_other_models(qa):
    answer = qa.ask("Which image encoder backbone does the pathology model CONCH use, and how much training data?")
    assert "CoCa" in answer.answer and "~1.17M" in answer.answer
    assert "SlideChat" not in answer.answer, answer.answer


def test_another_passage_that_adds_nothing_asked_is_not_cited(tmp_path):
    doc = """Delta Review of CT Models

1. Data

The Zorblax model was trained on 42 million CT slices from 12 hospitals.

2. Compute

Training the Zorblax model on CT slices from hospitals took 3 weeks on 64 GPUs.
"""
    qa = SurveyQA(build_small_index(tmp_path, {"delta-review.txt": doc}))
    answer = qa.ask("How many CT slices from how many hospitals was the Zorblax model trained on?")
    assert "42 million" in answer.answer and len({c.chunk_id for c in answer.citations}) == 1, answer.answer


@pytest.mark.parametrize("question", ["What is the Segment Anything Model?",
                                      "Which image encoder backbone does the Segment Anything Model use?"])
def test_a_model_named_by_its_spelled_out_name_is_answered_like_its_acronym(qa, question):
    answer = qa.ask(question)
    assert not answer.abstained, answer.support
    assert "prompts" in answer.answer or "ViT-H" in answer.answer, answer.answer




def test_the_meaning_score_uses_the_indexed_unit_vectors_in_unit_order(qa):
    retriever = qa.retriever
    chunk = max(retriever.chunks, key=lambda c: len(units_of(Hit(c, 0.0), retriever.doc_texts[c.doc])))
    units = units_of(Hit(chunk, 0.0), retriever.doc_texts[chunk.doc])
    assert len(units) >= 3
    question = "Which image encoder backbone does CONCH use?"
    similarity = ExtractiveAnswerer(qa.retriever).similarities(retriever.analyse(question), units)
    expected = retriever.embedder.encode([u.text for u in units]) @ retriever.embedder.embed_query_vector(question)
    assert list(similarity) == pytest.approx(list(expected), abs=1e-3)  # index vectors may be made in bf16


def test_a_roadmap_sentence_does_not_beat_the_sentence_it_points_to(tmp_path):
    doc = """Epsilon Review of CT Models

1. Introduction

Section 3 discusses the training data of the Zorblax CT model.

3. Data

Most CT models are small. The Zorblax CT model was trained on 42 million slices from 12 sites.
"""
    qa = SurveyQA(build_small_index(tmp_path, {"epsilon-review.txt": doc}))
    answer = qa.ask("What training data does the Zorblax CT model use?")
    assert answer.answer.startswith("The Zorblax CT model was trained"), answer.answer
    assert detect_intent("Which sections does the review have?").structure  # outline questions keep their roadmap


@pytest.mark.parametrize("intent, gain", [(Intent(listing=True), 0.1), (Intent(), 0.0)])
def test_a_listing_question_scores_a_sentence_that_enumerates_higher(qa, intent, gain):
    hit = qa.retriever.search("pathology models", 1)[0]
    terms = frozenset({"four", "famili"})
    enumerates = Unit(hit, "The four families are: prompt mixing, adapter stacking, token pruning and head swapping.", 0, 1, terms)
    announces = Unit(hit, "The four families are each discussed in turn in the sections that follow this one.", 0, 1, terms)
    ranker, query = Ranker.from_settings(Settings()), hand_query({"four": 1.0, "famili": 1.0}, intent)
    assert ranker.score(query, enumerates, 0.0) - ranker.score(query, announces, 0.0) == pytest.approx(gain)


def test_a_label_is_not_read_as_part_of_the_sentence(qa):
    hit = qa.retriever.search("pathology models", 1)[0]
    labelled = Unit(hit, "Zorblax (digest): Zorblax was trained on CT slices.", 0, 1, frozenset({"zorblax"}),
                    field="Digest", label="Zorblax (digest): ")
    bare = Unit(hit, "Zorblax was trained on CT slices.", 0, 1, frozenset({"zorblax"}))
    ranker, query = Ranker.from_settings(Settings()), hand_query({"zorblax": 1.0}, Intent(definition=True))
    assert ranker.score(query, labelled, 0.0) == pytest.approx(ranker.score(query, bare, 0.0))


def test_a_list_field_unit_keeps_its_label_apart_from_the_sentence():
    digest = ("This paper introduces Zorblax, a model trained on 42 million CT slices. "
              "It segments kidneys, livers and spleens in one pass, which earlier models could not do, "
              "and it runs on a single GPU in under a second per scan.")
    chunk = Chunk(id="c1", doc="list.md", doc_title="List", section=["Models"], kind="list-item", text="Zorblax",
                  start=0, end=10, line_start=1, line_end=2, fields={"Title": "Zorblax: one model", "Digest": digest})
    fields = [u for u in units_of(Hit(chunk, 0.0), "") if u.field == "Digest"]
    assert [u.text for u in fields][0] == "Zorblax (digest): " + fields[0].body
    assert [u.body for u in fields] == ["This paper introduces Zorblax, a model trained on 42 million CT slices.",
                                        "It segments kidneys, livers and spleens in one pass, which earlier models could not do, "
                                        "and it runs on a single GPU in under a second per scan."]


def test_when_the_question_names_a_survey_another_survey_s_passage_does_not_answer(tmp_path):
    docs = {"omega-survey.txt": """Omega Survey of CT Models

1. Data

The Zorblax model was trained on data from several hospitals.
""", "sigma-review.txt": """Sigma Review of Imaging

1. Data

The Zorblax model was trained on 42 million CT slices of data, gathered over five years.
"""}
    qa = SurveyQA(build_small_index(tmp_path, docs))
    answer = qa.ask("In the omega survey, how much data from CT slices was the Zorblax model trained on?")
    assert answer.citations[0].doc == "omega-survey.txt", answer.answer


def test_consecutive_sentences_in_two_overlapping_passages_are_neighbours():
    text = "Closed-ended VQA picks from fixed choices. In contrast, open-ended VQA writes free-form answers. Later text."
    second_start = text.index("In contrast")
    third_start = text.index("Later")

    def unit(chunk_id: str, start: int, end: int, position: int) -> Unit:
        return Unit(Hit(_prose_chunk(chunk_id, text), 0.0), text[start:end].strip(), start, end, frozenset(),
                    position=position)

    first = unit("c1", 0, second_start - 1, 0)
    second = unit("c2", second_start, third_start - 1, 0)  # the same document, another (overlapping) passage
    third = unit("c3", third_start, len(text), 0)
    assert adjacent(first, second) and adjacent(second, first)
    assert not adjacent(first, third)


def test_a_passage_that_also_holds_the_chosen_sentence_counts_as_thesame_passage():
    def chunk(chunk_id: str, start: int, end: int) -> Chunk:  # only the span matters here
        return _prose_chunk(chunk_id, "x" * (end - start), start)

    chosen = Unit(Hit(chunk("c1", 0, 500), 0.0), "chosen sentence", 300, 400, frozenset())
    overlapping = Unit(Hit(chunk("c2", 250, 800), 0.0), "another sentence", 600, 700, frozenset())
    later = Unit(Hit(chunk("c3", 350, 900), 0.0), "a third sentence", 700, 800, frozenset())
    assert same_passage(overlapping, chosen)  # c2 holds the chosen sentence (300-400) as well
    assert not same_passage(later, chosen)  # c3 starts inside it


@pytest.mark.parametrize("intent, factor", [(Intent(), 0.7), (Intent(listing=True), 1.0)])
def test_a_long_list_of_names_is_evidence_for_list_questions_only(qa, intent, factor):
    prose = next(c for c in qa.retriever.chunks if c.kind == "text")
    names = ", ".join(f"Model{i}" for i in range(10))
    listing = Unit(Hit(prose, 0.0, rank=1), f"The universal models include: {names}.", 0, 1, frozenset())
    numbers = Unit(Hit(prose, 0.0, rank=1), "It holds 377,110 images, 227,827 studies and 64,588 patients.", 0, 1, frozenset())
    ranker, query = Ranker.from_settings(Settings()), hand_query({}, intent)
    assert ranker.parts(query, listing, 0.0).get("long_list_factor", 1.0) == pytest.approx(factor)
    assert "long_list_factor" not in ranker.parts(query, numbers, 0.0)  # thousands separators are no list


def test_an_enumeration_goes_on_with_its_numbered_items_and_stops_after_them():
    sentences = ["Methods fall into three areas: 1) prompt mixing.", "2) Adapter stacking.", "3) Token pruning.",
                 "Second-hand reports are not covered."]
    text = " ".join(sentences)
    hit, units, start = Hit(_prose_chunk("c1", text), 0.0), [], 0
    for position, sentence in enumerate(sentences):
        start = text.index(sentence, start)
        units.append(Unit(hit, sentence, start, start + len(sentence), frozenset(), position=position))
    shuffled = [units[3], units[2], units[0], units[1]]  # candidates come in score order, not text order
    assert enumeration_after(units[0], shuffled) == [units[1], units[2]]
    assert enumeration_after(units[2], shuffled) == []  # "Second-hand" is a word, not an ordinal
