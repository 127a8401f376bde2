"""``SurveyQA.open`` and ``SurveyQA.ingest``: the one way the CLI and the UI get a usable index
(built from the corpus when missing, rebuilt only when asked) and update it."""
import pytest

from surveyqa import IndexProblem, SurveyQA


def test_open_builds_a_missing_index_once_and_then_just_loads_it(tiny_settings, tmp_path):
    settings = tiny_settings.model_copy(update={"index_dir": tmp_path / "index"})
    said = []
    qa = SurveyQA(settings)
    assert qa.open(announce=said.append) == "Built from 2 documents."
    assert said == ["no index yet: ingesting the bundled corpus first"]
    assert set(qa.doc_texts) == set(SurveyQA(tiny_settings).doc_texts)
    again = []
    assert SurveyQA(settings).open(announce=again.append) == "" and again == []


def test_an_unusable_index_is_refused_unless_a_rebuild_is_asked_for(tiny_settings, tmp_path):
    settings = tiny_settings.model_copy(update={"index_dir": tmp_path / "index"})
    SurveyQA(settings).open()
    live = settings.index_dir / (settings.index_dir / "CURRENT").read_text().strip()
    (live / "chunks.jsonl").write_text("not what was written\n", encoding="utf-8")
    with pytest.raises(IndexProblem, match="checksum mismatch"):
        SurveyQA(settings).open()
    qa = SurveyQA(settings)
    note = qa.open(rebuild_from=[settings.corpus_dir])
    assert note.startswith("The old index was unusable (index file ") and note.endswith("rebuilt it. Built from 2 documents.")
    assert qa.search("segmentation foundation models", 3)


def test_ingest_adds_a_document_that_the_next_question_sees(tiny_settings, tmp_path):
    settings = tiny_settings.model_copy(update={"index_dir": tmp_path / "index"})
    qa = SurveyQA(settings)
    qa.open()
    extra = tmp_path / "extra" / "gamma-notes.txt"
    extra.parent.mkdir()
    extra.write_text("Gamma Notes\n\nThe Frobnicator model segments retinal scans with 12 layers.\n", encoding="utf-8")
    report = qa.ingest([settings.corpus_dir, extra.parent])
    assert report.written and report.added == ["gamma-notes.txt"]
    assert "gamma-notes.txt" in qa.doc_texts
    assert qa.search("Frobnicator retinal scans", 1)[0].chunk.doc == "gamma-notes.txt"


def test_warm_builds_the_cross_survey_view_once_so_the_first_question_does_not(tiny_settings, monkeypatch):
    import answer.cross_survey as cross_survey

    built = []
    real = cross_survey.build_cross_survey
    monkeypatch.setattr(cross_survey, "build_cross_survey", lambda *args: built.append(1) or real(*args))
    qa = SurveyQA(tiny_settings)
    qa.warm()
    assert built == [1]
    qa.ask("What is Quibble?")
    assert built == [1]


def test_warm_makes_the_int8_copy_when_questions_use_it(tiny_settings):
    qa = SurveyQA(tiny_settings.model_copy(update={"query_precision": "int8"}))
    embedder = qa.retriever.embedder
    embedder._int8 = None  # the embedder is shared in this process: another test may have made the copy
    qa.warm()
    assert embedder._int8 is not None
    copy = embedder._int8
    qa.ask("What is Quibble?")
    assert embedder._int8 is copy
