"""Citations by id: numbering, dropping unretrieved ids, uncited claims, LLM marker parsing."""
from answer.citations import Claim, attach_citations, claims_from_text
from ingest.records import Chunk

DOC = "Intro. MedSAM was trained on 1.6M masks [60]. SAM has 1.1B masks. End."


def _chunk(cid, start, end, kind="text", refs=None):
    return Chunk(id=cid, doc="d.txt", doc_title="Doc", section=["1. Intro"], kind=kind, text=DOC[start:end],
                 start=start, end=end, line_start=1, line_end=1, refs=refs or {})


A = _chunk("a" * 16, 0, 46, refs={"60": "[60] J. Ma et al. Segment anything in medical images. 2024."})
B = _chunk("b" * 16, 47, len(DOC))


def test_markers_follow_first_use_and_repeat_for_the_same_source():
    claims = [Claim("MedSAM used 1.6M masks.", [(A.id, 7, 46)]), Claim("SAM used 1.1B masks.", [(B.id, 47, 65)]),
              Claim("Again MedSAM.", [(A.id, 7, 46)])]
    cited = attach_citations(claims, {A.id: A, B.id: B}, {"d.txt": DOC})
    assert cited.answer == "MedSAM used 1.6M masks [1]. SAM used 1.1B masks [2]. Again MedSAM [1]."
    assert [c.marker for c in cited.citations] == [1, 2]
    first = cited.citations[0]
    assert (first.start, first.end, first.quote_start, first.quote_end) == (0, 46, 7, 46)
    assert first.quote == DOC[7:46]
    assert first.reference == "[60] J. Ma et al. Segment anything in medical images. 2024."
    assert cited.citations[1].reference is None


def test_unretrieved_ids_are_dropped_and_uncited_claims_removed():
    claims = [Claim("Supported.", [(A.id, 0, 6), ("f" * 16, 0, 1)]), Claim("Unsupported.", [("e" * 16, 0, 1)])]
    cited = attach_citations(claims, {A.id: A}, {"d.txt": DOC})
    assert cited.answer == "Supported [1]."
    assert len(cited.citations) == 1
    assert any("f" * 16 in w for w in cited.warnings) and any("Unsupported" in w for w in cited.warnings)


def test_quote_outside_the_chunk_falls_back_to_the_whole_passage():
    cited = attach_citations([Claim("X.", [(B.id, 0, 3)])], {B.id: B}, {"d.txt": DOC})
    assert (cited.citations[0].quote_start, cited.citations[0].quote_end) == (B.start, B.end)


def test_claims_from_llm_text_read_id_markers():
    text = f"MedSAM used 1.6M masks [id:{'a' * 16}]. Both differ [{'a' * 16}, id:{'b' * 16}]. No source here."
    claims = claims_from_text(text)
    assert [c.text for c in claims] == ["MedSAM used 1.6M masks.", "Both differ.", "No source here."]
    assert [[s[0] for s in c.sources] for c in claims] == [["a" * 16], ["a" * 16, "b" * 16], []]


def test_one_passage_used_twice_quotes_the_span_of_both_sentences():
    claims = [Claim("First.", [(B.id, 47, 65)]), Claim("Second.", [(A.id, 7, 46)]), Claim("Third.", [(B.id, 66, 70)])]
    cited = attach_citations(claims, {A.id: A, B.id: B}, {"d.txt": DOC})
    b = next(c for c in cited.citations if c.chunk_id == B.id)
    assert (b.quote_start, b.quote_end) == (47, 70) and b.quote == DOC[47:70]
