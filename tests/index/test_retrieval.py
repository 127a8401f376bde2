"""Dense, BM25 and hybrid search with filters, named records, the survey prior and LangChain."""
import pytest
from langchain_core.retrievers import BaseRetriever

from index.retrieval import Filters, SurveyRetriever, make_retriever


@pytest.fixture(scope="module")
def retriever(tiny_settings):
    return make_retriever(tiny_settings)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_mode_finds_the_passage_about_the_question(retriever, mode):
    hits = retriever.search("How much data was the Zorblax model trained on?", k=3, mode=mode)
    assert hits and [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert any("Zorblax" in h.chunk.text for h in hits)
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))


def test_unknown_mode_is_an_error(retriever):
    with pytest.raises(ValueError, match="unknown retrieval mode"):
        retriever.search("anything", mode="magic")


def test_filters_restrict_documents_kinds_and_sections(retriever):
    only_md = retriever.search("model", k=10, filters=Filters(docs=["beta-review.md"]))
    assert only_md and {h.chunk.doc for h in only_md} == {"beta-review.md"}
    rows = retriever.search("backbone", k=10, filters=Filters(kinds=["table-row"]))
    assert rows and {h.chunk.kind for h in rows} == {"table-row"}
    refs = retriever.search("Zorblax", k=10, filters=Filters(section="references"))
    assert refs and all("References" in h.chunk.section_path for h in refs)


def test_a_named_table_row_is_found_and_flagged(retriever):
    hits = retriever.search("What backbone does Quibble use?", k=3)
    assert hits[0].chunk.kind == "table-row" and "Quibble" in hits[0].chunk.text and hits[0].named


def test_survey_named_in_the_question_gets_the_prior(retriever):
    prior = retriever.doc_prior("In the beta review, which model generates reports?")
    assert set(prior) == {"beta-review.md"}
    assert retriever.doc_prior("Which model generates reports?") == {}


def test_a_title_word_used_as_content_does_not_name_a_survey_when_another_is_named(retriever):
    # "vision-language" is in the beta title only, but here it describes the model; "the alpha survey" names the survey
    prior = retriever.doc_prior("In the alpha survey, which vision-language model generates reports?")
    assert set(prior) == {"alpha-survey.txt"}


def test_doc_chunks_hold_each_documents_chunks_in_index_order(retriever):
    chunks = retriever.chunks
    assert set(retriever.doc_chunks) == {c.doc for c in chunks}
    for doc, own in retriever.doc_chunks.items():
        assert own == [c for c in chunks if c.doc == doc]


def test_empty_query_returns_nothing(retriever):
    assert retriever.search("   ") == []


def test_langchain_retriever_returns_documents_with_citation_metadata(retriever):
    lc = SurveyRetriever(retriever=retriever, k=2)
    assert isinstance(lc, BaseRetriever)
    docs = lc.invoke("Zorblax training data")
    assert len(docs) == 2
    meta = docs[0].metadata
    assert {"doc", "doc_title", "section", "kind", "start", "end", "line_start", "score", "rank"} <= set(meta)


def test_names_differing_only_in_case_are_both_found():
    from index.entities import EntityIndex
    from ingest.records import Chunk

    def row(name):
        return Chunk(id=name, doc="d", doc_title="D", section=[], kind="table-row", text=name, start=0, end=1,
                     line_start=1, line_end=1, fields={"Model": name})

    index = EntityIndex([row("CheXagent"), row("Chexagent"), row("CheXagent-2")])
    assert sorted(index.mentioned("How much data was CheXagent trained on?")) == ["CheXagent", "Chexagent"]
    assert index.mentioned("Compare CheXagent-2 with others") == ["CheXagent-2"]


@pytest.mark.parametrize("question, names", [
    ("And CHEXAGENT?", ["CheXagent"]), ("Is sam SAM?", ["SAM"]), ("Is sam a model?", []),
    ("What data does \u017fkinGPT use?", ["SkinGPT"]),  # the long s, which re.I matches to s
    ("What data does S\u212aINGPT use?", ["SkinGPT"]),  # the Kelvin sign, which re.I matches to k
    ("What is M\u00dcLLER-NET?", ["M\u00fcller-Net"]), ("What is Chexagen?", []),
])
def test_names_are_found_in_any_case_the_matcher_allows(question, names):
    from index.entities import EntityIndex
    from ingest.records import Chunk

    rows = [Chunk(id=name, doc="d", doc_title="D", section=[], kind="table-row", text=name, start=0, end=1,
                  line_start=1, line_end=1, fields={"Model": name}) for name in ("SkinGPT", "CheXagent", "SAM", "M\u00fcller-Net")]
    assert EntityIndex(rows).mentioned(question) == names


def test_a_name_the_surveys_spell_out_finds_the_record():
    from index.entities import EntityIndex
    from ingest.records import Chunk

    rows = [Chunk(id=name, doc="d", doc_title="D", section=[], kind="table-row", text=name, start=0, end=1,
                  line_start=1, line_end=1, fields={"Model": name}) for name in ("SAM", "Caption Anything")]
    prose = Chunk(id="p", doc="d", doc_title="D", section=[], kind="text", start=0, end=1, line_start=1, line_end=1,
                  text="A notable example is Segment Anything Model (SAM) [27], where prompts guide segmentation.")
    index = EntityIndex(rows + [prose])
    assert index.mentioned("What dataset does the table record for the Segment Anything Model?") == ["SAM"]
    assert index.spelled_out("the segment anything model's data") == [("segment anything model", "SAM")]
    assert index.mentioned("What does the table say about anything?") == []


def test_a_section_heading_holding_the_question_terms_earns_the_section_bonus(retriever, tiny_settings):
    question = "What does the introduction say about hospitals?"
    hits, _ = retriever.candidates(question, 10)
    matched = {h.chunk.section_path for h in hits.values() if h.section_match > 0}
    assert matched == {"1. Introduction"}
    def weighed(section_weight: float):
        return retriever.tuned(tiny_settings.model_copy(update={"section_weight": section_weight})).search(question, k=10)

    plain = {h.chunk.id: h.score for h in weighed(0.0)}
    boosted = weighed(5.0)
    assert "Introduction" in boosted[0].chunk.section_path
    for hit in boosted:
        assert hit.score == pytest.approx(plain[hit.chunk.id] + 5.0 * hit.section_match)
    assert retriever.fusion.section == tiny_settings.section_weight  # the original is untouched


def test_a_tuned_retriever_shares_the_store_and_the_one_embedder(retriever, tiny_settings):
    tuned = retriever.tuned(tiny_settings.model_copy(update={"dense_weight": 0.0, "candidate_k": 7}))
    assert tuned.store is retriever.store and tuned.candidate_k == 7 and tuned.fusion.weights["dense"] == 0.0
    assert retriever.fusion.weights["dense"] == tiny_settings.dense_weight
    assert tuned.embedder is retriever.embedder


def test_filtered_unit_scores_are_the_unfiltered_ones_of_the_allowed_chunks(retriever):
    query = retriever.analyse("Which backbone does Quibble use?")
    everything = retriever.unit_scores(query, len(retriever.chunks), None)
    allowed = Filters(docs=["alpha-survey.txt"]).mask(retriever.chunks)
    some = retriever.unit_scores(query, len(retriever.chunks), allowed)
    assert some and all(allowed[p] for p in some)
    assert set(some) == {p for p in everything if allowed[p]}
    assert all(abs(some[p] - everything[p]) < 1e-5 for p in some)
    assert list(some) == [p for p in everything if allowed[p]]  # same order (no near-ties in this index)
