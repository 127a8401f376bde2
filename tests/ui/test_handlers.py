"""The UI's event handlers, called directly (no browser) against a tiny index."""
from __future__ import annotations

import json
import re

from tests.ui.corpus_fixture import ZORBLAX
from ui import chat, corpus, jobs, models, render

MEDSAM = "What backbone does MedSAM use and how much training data?"
MEDCLIP = "How many image-text pairs was MedCLIP trained on?"
OFF_TOPIC = "What is the boiling point of tungsten?"


def ask(ctx, question, turns=None, docs=None):
    """Run the streaming chat handler to the end; returns (all yields, final yield)."""
    steps = list(chat.respond(ctx, question, [], turns or [], "hybrid", 5, docs, delay=0))
    return steps, steps[-1]


def test_ask_streams_answer_with_clickable_citations(ctx):
    steps, (box, history, turns, radio, panel, hint) = ask(ctx, MEDSAM)
    assert box == "" and history[0] == {"role": "user", "content": MEDSAM}
    reply = history[-1]["content"]
    assert "ViT-B" in reply and 'class="cite"' in reply and 'href="#cite-0-1"' in reply
    assert len(steps) > 2, "the reply should appear in more than one step"
    assert len(turns) == 1 and turns[0]["citations"]
    choices = radio["choices"]
    assert choices and choices[0][1] == "0:1" and choices[0][0].startswith("[1] Segmentation Test Models")
    assert panel == {"__type__": "update"}, "the panel is left to marker clicks"


def test_citation_selection_highlights_quote_and_reference(ctx):
    _, (_, history, turns, _, _, _) = ask(ctx, MEDCLIP)
    citation = next(c for c in turns[0]["citations"] if c["kind"] == "text")
    html = chat.show_source(f"0:{citation['marker']}|1712345", turns)
    marked = re.search(r"<mark>(.*?)</mark>", html, re.S).group(1)
    assert "MedCLIP" in marked or "570 thousand" in marked
    assert marked.strip() == render.esc(citation["quote"]).strip()
    assert marked.strip().rstrip(".")[:40] in history[-1]["content"], "the highlighted span is what the answer says"
    assert len(marked) < len(citation["text"]), "only the cited span is highlighted"
    assert "Vision-Language Test Models for Radiology" in html and "Contrastive Pretraining" in html
    assert "Reference:" in html and "MedCLIP: Contrastive learning from unpaired medical images" in html
    assert "not part of this conversation" in chat.show_source("5:1", turns)
    assert chat.show_source(None, turns) == render.EMPTY_SOURCES


def test_table_row_citation_is_highlighted_whole(ctx):
    _, (_, _, turns, _, _, _) = ask(ctx, MEDSAM)
    row = next(c for c in turns[0]["citations"] if c["kind"] == "table-row")
    html = chat.show_source(f"0:{row['marker']}", turns)
    assert "<mark>" in html and "1.57M image-mask pairs" in html
    if row.get("rendered"):
        assert "As a record:" in html and "Backbone: ViT-B" in html
    assert "Segment anything in medical images" in html


def test_abstention_shows_notice_and_closest_passages(ctx):
    _, (_, history, turns, radio, panel, _) = ask(ctx, OFF_TOPIC)
    reply = history[-1]["content"]
    assert render.NOT_IN_INDEX in reply and "Closest passages" in reply
    assert turns[0]["abstained"] and not turns[0]["citations"]
    assert radio["choices"] == [] and radio["visible"] is False
    assert render.NOT_IN_INDEX in panel and "src-passage" in panel


def test_empty_and_huge_questions_get_friendly_messages(ctx):
    for question in ("", "   ", "x" * 50_000):
        _, (_, history, turns, _, _, _) = ask(ctx, question)
        reply = history[-1]["content"]
        assert "Can't ask that" in reply
        assert len(history[0]["content"]) < 400, "a huge question is not echoed in full"
        assert turns[-1]["citations"] == []
    assert "limit" in ask(ctx, "x" * 50_000)[1][1][-1]["content"]


def test_survey_filter_restricts_the_search(ctx):
    _, (_, _, turns, _, _, _) = ask(ctx, MEDCLIP, docs=["seg-survey.txt"])
    docs = {c["doc"] for c in turns[0]["citations"]} | {p["doc"] for p in turns[0]["retrieved"]}
    assert docs <= {"seg-survey.txt"}
    assert chat.make_filters(["seg-survey.txt", "vlm-review.txt"], ["seg-survey.txt", "vlm-review.txt"]) is None
    assert chat.make_filters(None, ["a"]) is None


def test_unticking_every_survey_asks_for_one_instead_of_searching(ctx, monkeypatch):
    searched = []
    monkeypatch.setattr(ctx.qa.retriever, "search", lambda *args, **kwargs: searched.append(args) or [])
    for docs in ([], ["removed-survey.txt"]):
        _, (_, history, turns, radio, _, _) = ask(ctx, MEDSAM, docs=docs)
        assert "no survey is selected; pick at least one" in history[-1]["content"]
        assert turns[0]["citations"] == turns[0]["retrieved"] == [] and radio["visible"] is False
    assert searched == []


def test_link_markers_leaves_the_surveys_own_brackets_alone():
    answer = 'Adapts SAM to medical images [1] [2]. [1] J. Ma, "Segment anything," 2024 [3]. Uses ViT-B [2][3].'
    html = render.link_markers(answer, 4, {1, 2, 3})
    assert html.count('class="cite"') == 4
    assert "images [1] <a" in html and ". [1] J. Ma" in html
    assert 'href="#cite-4-3"' in html and "&quot;Segment anything,&quot;" in html


def test_upload_reports_good_and_bad_files_and_indexes_the_good_one(fresh_ctx, tmp_path):
    good, binary, empty = tmp_path / "zorblax.txt", tmp_path / "blob.txt", tmp_path / "empty.md"
    good.write_text(ZORBLAX, encoding="utf-8")
    binary.write_bytes(b"\x00\x01\x02binary\x00" * 50)
    empty.write_text("")
    calls = []
    rows, summary = corpus.upload_files(fresh_ctx, [str(good), str(binary), str(empty)],
                                        lambda value, desc=None: calls.append(desc))
    status = {row[0]: row for row in rows}
    assert status["zorblax.txt"][1] == "added" and status["zorblax.txt"][2] > 0
    assert status["blob.txt"][1] == "skipped" and "binary" in status["blob.txt"][3]
    assert status["empty.md"][1] == "skipped" and "empty" in status["empty.md"][3]
    assert "1 file(s) indexed, 2 skipped" in summary and calls
    kept = sorted(p.name for p in fresh_ctx.uploads_dir.rglob("*") if p.is_file())
    assert kept == ["zorblax.txt"], "skipped files are not kept"
    assert {"seg-survey.txt", "vlm-review.txt", "zorblax.txt"} == set(fresh_ctx.documents())
    _, (_, history, turns, _, _, _) = ask(fresh_ctx, "How many tokens was the Zorblax model trained on?")
    assert "42 quintillion tokens" in history[-1]["content"]
    assert any(c["doc"] == "zorblax.txt" for c in turns[0]["citations"])
    table = corpus.document_rows(fresh_ctx)
    assert ["zorblax.txt", "Zorblax Notes: A Tiny Survey of Imaginary Models"] == table[-1][:2]
    assert table[-1][3] == "uploaded"
    rows, _ = corpus.upload_files(fresh_ctx, [str(good)])
    assert rows[0][1] == "unchanged"


def test_upload_of_only_bad_files_leaves_the_index_intact(fresh_ctx, tmp_path):
    bad = tmp_path / "notes.docx"
    bad.write_bytes(b"PK\x03\x04 not really a document")
    rows, summary = corpus.upload_files(fresh_ctx, [str(bad)])
    assert rows[0][1] == "skipped" and "unsupported" in rows[0][3]
    assert "0 file(s) indexed, 1 skipped" in summary
    assert set(fresh_ctx.documents()) == {"seg-survey.txt", "vlm-review.txt"}
    assert corpus.upload_files(fresh_ctx, [])[1].startswith("Choose")


def test_remove_document_drops_it(fresh_ctx):
    message = corpus.remove_document(fresh_ctx, "vlm-review.txt")
    assert "Removed **vlm-review.txt**" in message
    assert set(fresh_ctx.documents()) == {"seg-survey.txt"}
    _, (_, _, turns, _, _, _) = ask(fresh_ctx, MEDCLIP)
    assert all(p["doc"] == "seg-survey.txt" for p in turns[0]["retrieved"])
    assert "at least one document" in corpus.remove_document(fresh_ctx, "seg-survey.txt")
    assert "not in the index" in corpus.remove_document(fresh_ctx, "vlm-review.txt")
    table, pick, checks = corpus.doc_updates(fresh_ctx)
    assert [r[0] for r in table] == ["seg-survey.txt"] and checks["value"] == ["seg-survey.txt"]


def test_the_status_tick_refreshes_the_survey_filter_only_when_the_corpus_changed(ctx):
    from ui.app import _status_tick

    both = ["seg-survey.txt", "vlm-review.txt"]

    def ticked(shown, selected):
        message, timer, table, pick, checks = _status_tick(ctx, shown, selected)
        assert "Index ready" in message and timer.active is False
        return checks.get("value", "kept as the user left it")

    assert ticked(both, ["vlm-review.txt"]) == ticked(both, []) == "kept as the user left it"
    assert ticked([], []) == ticked(["seg-survey.txt"], ["seg-survey.txt"]) == both  # built before the index, or grown
    assert ticked(["gone.txt", *both], ["gone.txt", "vlm-review.txt"]) == ["vlm-review.txt"]
    assert ticked(["seg-survey.txt"], []) == []


def test_catalog_filter_and_comparison_cite_their_sources(ctx):
    rows, status = models.catalog_rows(ctx, "")
    names = {r[0] for r in rows}
    assert {"MedSAM", "SAM-Med2D"} <= names and "catalog entries" in status
    rows, _ = models.catalog_rows(ctx, "adapters")
    assert [r[0] for r in rows] == ["SAM-Med2D"]
    table, headers, cites = models.compare_models(ctx, ["MedSAM", "SAM-Med2D"])
    assert headers == ["attribute", "MedSAM [1]", "SAM-Med2D [2]"]
    backbone = next(r for r in table if r[0] == "backbone")
    assert backbone == ["backbone", "ViT-B", "ViT-B with adapters"]
    assert "seg-survey.txt" in cites and "Table 1" in cites and "Segment anything in medical images" in cites
    assert "at least two" in models.compare_models(ctx, ["MedSAM"])[2]


def test_what_the_surveys_say_merges_statements_with_citations(ctx):
    rows, summary = models.what_surveys_say(ctx, "medsam")
    data = [r for r in rows if r[0] == "data"]
    assert data and data[0][1] == "agree", "1.57M (table) and 1.57 million (text) agree"
    values = {r[2] for r in rows}
    assert {"1.57M image-mask pairs", "1.57 million medical image-mask pairs"} <= values
    assert all(r[4] for r in rows) and "`seg-survey.txt`" in summary and "agree on every attribute" in summary
    assert "No survey records" in models.what_surveys_say(ctx, "SAM")[1], "SAM is not MedSAM"
    assert models.what_surveys_say(ctx, "")[1] == "Type a model name."


def test_catalog_unavailable_is_reported(ctx):
    class NoCatalog:
        @property
        def catalog(self):
            raise ImportError("answer.catalog is missing")

    real = ctx.qa
    ctx.qa = NoCatalog()
    try:
        rows, status = models.catalog_rows(ctx, "")
        assert rows == [] and models.UNAVAILABLE in status
        assert models.catalog_names(ctx) == []
    finally:
        ctx.qa = real


def test_model_demo_status_and_run(ctx):
    rows = models.demo_status(ctx)
    by_name = {r[0]: r for r in rows}
    assert by_name["all-MiniLM-L6-v2"][3] == "yes"
    assert all(r[3] in ("yes", "no") and r[4] for r in rows)
    scores, image, message = models.run_model_demo(ctx, "all-MiniLM-L6-v2", "chest x-ray", None,
                                                   "a chest radiograph, a stock market report")
    assert message.startswith("✔") and scores[0][0] == "a chest radiograph" and image is None
    assert models.run_model_demo(ctx, "", "x")[2] == "Pick a model first."
    assert models.run_model_demo(ctx, "GPT-9", "x")[2].startswith("✘")


def test_batch_and_eval_jobs_write_downloads(ctx, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text(f"{MEDSAM}\n{OFF_TOPIC}\n", encoding="utf-8")
    summary, files = jobs.run_batch_job(ctx, str(questions), 3)
    assert "2 question(s)" in summary and [f.rsplit("/", 1)[-1] for f in files] == ["results.jsonl", "results.csv"]
    records = [json.loads(line) for line in open(files[0], encoding="utf-8")]
    assert [r["id"] for r in records] == ["q1", "q2"] and records[1]["abstained"]
    surrogate = tmp_path / "surrogate.jsonl"
    surrogate.write_text(f'{{"id":"a","question":"x \\ud800 MedSAM?"}}\n{json.dumps({"id": "b", "question": MEDSAM})}\n')
    summary, files = jobs.run_batch_job(ctx, str(surrogate), 3)
    assert "1 error(s)" in summary and "not valid Unicode" in summary and len(files) == 2
    assert [json.loads(line)["error"] is None for line in open(files[0], encoding="utf-8")] == [False, True]
    gold = tmp_path / "gold.jsonl"
    item = {"id": "t-1", "question": MEDCLIP, "answer": "About 570 thousand pairs.", "key_facts": ["570 thousand"],
            "evidence": [{"doc": "vlm-review.txt", "quote": "It was trained on about 570 thousand image-text pairs"}],
            "type": "numeric", "difficulty": "easy"}
    gold.write_text(json.dumps(item) + "\n", encoding="utf-8")
    metrics, plots, files, summary = jobs.run_eval_job(ctx, str(gold), 5)
    values = dict((m[0], m[1]) for m in metrics)
    assert values["count"] == 1 and values["key_fact_accuracy"] == 1.0
    assert plots and all(p.endswith(".png") for p in plots)
    assert any(f.endswith("report.html") for f in files) and "1 items" in summary
    assert "Cannot read the gold set" in jobs.run_eval_job(ctx, str(tmp_path / "missing.jsonl"), 5)[3]


def test_the_answering_hint_is_cleared_when_the_reply_arrives(ctx):
    steps, final = ask(ctx, MEDSAM)
    assert "Answering…" in steps[0][5], "the hint shows while the question is answered"
    assert final[5] == "" and final[4] == {"__type__": "update"}


def test_source_cards_render_document_markdown_without_raw_markup():
    text = ("<details><summary>Digest</summary> This paper introduces **MedCLIP** [[paper]](https://arxiv.org/abs/1) "
            "by Wang *et al.* :contentReference[oaicite:0]{index=0} <script>alert(1)</script></details>")
    citation = {"marker": 1, "doc": "list.md", "text": text, "start": 0, "quote": "This paper introduces **MedCLIP**",
                "quote_start": 36, "quote_end": 69, "section": "Survey", "caption": ""}
    html = render.citation_html(citation)
    for raw in ("<summary>", "<details>", "**", "[[paper]]", "*et al.*", "oaicite", "<script>"):
        assert raw not in html, raw
    assert "<mark>This paper introduces <b>MedCLIP</b></mark>" in html
    assert '<a href="https://arxiv.org/abs/1" target="_blank" rel="noopener noreferrer">paper</a>' in html
    assert "<i>et al.</i>" in html and "alert(1)" in html, "the text of a dropped tag stays, as text"
    assert render.inline_markdown("## Models\n- item") == "<b>Models</b>\n- item"
    assert render.inline_markdown("Issue #12 stays") == "Issue #12 stays"


def test_table_rows_are_labelled_by_their_caption(ctx):
    _, (_, _, turns, radio, _, _) = ask(ctx, MEDSAM)
    row = next(c for c in turns[0]["citations"] if c["kind"] == "table-row")
    assert row["caption"].startswith("Table 1")
    label = next(label for label, key in radio["choices"] if key == f"0:{row['marker']}")
    assert "Table 1: Summary of segmentation foundation models" in label
    assert "<b>Table:</b> Table 1: Summary" in chat.show_source(f"0:{row['marker']}", turns)


def test_survey_filter_shows_short_titles_with_file_names_as_values(ctx):
    choices = render.survey_choices(ctx.documents())
    assert choices == [("Segmentation Test Models in Medical Imaging", "seg-survey.txt"),
                       ("Vision-Language Test Models for Radiology", "vlm-review.txt")]
    assert render.short_title("", "x.txt") == "x.txt"
    assert render.short_title("One two three four five six seven eight nine", "x") == "One two three four five six seven…"


def test_a_follow_up_question_is_asked_about_the_previous_subject(ctx):
    _, (_, _, turns, _, _, _) = ask(ctx, "How much training data does SAM-Med2D use?")
    assert turns[0]["subject"] == "SAM-Med2D"
    steps = list(chat.respond(ctx, "And what backbone does it use?", [], turns, "hybrid", 5, None, delay=0))
    _, history, turns, _, _, _ = steps[-1]
    assert history[0]["content"] == "And what backbone does it use? (SAM-Med2D)"
    assert turns[1]["asked"] == "What backbone does SAM-Med2D use?" and turns[1]["subject"] == "SAM-Med2D"
    assert "ViT-B with adapters" in history[-1]["content"]


def test_catalog_shows_models_by_default_and_other_kinds_on_request(ctx):
    rows, status = models.catalog_rows(ctx, "")
    assert rows and {r[1] for r in rows} == {"model"} and "models of" in status
    everything, _ = models.catalog_rows(ctx, "", list(models.KINDS))
    assert len(everything) >= len(rows)
    assert models.catalog_rows(ctx, "", [])[0] == []


def test_pdf_page_view_boxes_the_quote_inside_its_column(tmp_path):
    from tests.ui.survey_pdf import FACT, write_survey_pdf
    from ui import pages

    path = write_survey_pdf(tmp_path / "survey.pdf")
    rendered = pages.render_page(str(path), 2, FACT)
    assert rendered.png.startswith(b"\x89PNG") and len(rendered.boxes) == 3, "three lines of the right column"
    assert all(0.5 < x and x + w < 0.95 and 0.3 < y < 0.6 for x, y, w, _ in rendered.boxes)
    assert pages.render_page(str(path), 1, FACT).boxes == (), "not on page 1"
    html = pages.pdf_page_html(str(path), 2, FACT)
    assert html.count('class="src-hl"') == 3 and "#page=2" in html and "open the PDF at page 2" in html


def test_text_passage_is_shown_among_its_neighbouring_lines():
    from ui import pages

    text = "".join(f"line {n}\n" for n in range(1, 21))
    start = text.index("line 10")
    citation = {"text": "line 10\n", "start": start, "end": start + 8, "quote": "line 10",
                "quote_start": start, "quote_end": start + 7}
    html = pages.text_context_html(text, citation, lines=2)
    assert html.startswith('<div class="src-context">line 8\nline 9\n<span class="src-cited"><mark>line 10</mark>')
    assert html.endswith("line 11\nline 12\n</div>") and "line 7" not in html and "line 13" not in html


def test_batch_preview_rows_and_errors_without_temporary_paths(ctx, tmp_path):
    questions = tmp_path / "upload-7f3a" / "questions.jsonl"
    questions.parent.mkdir()
    questions.write_text(f'{json.dumps({"id": "a", "question": MEDSAM})}\n{{"id": "b"}}\n', encoding="utf-8")
    summary, files = jobs.run_batch_job(ctx, str(questions), 3)
    assert "1 error(s)" in summary and "questions.jsonl" in summary and str(tmp_path) not in summary
    rows = jobs.preview_rows(files[0])
    assert [r[0] for r in rows] == ["a", "b"] and [r[3] for r in rows] == ["answered", "error"]
    assert "ViT-B" in rows[0][2] and rows[0][4] == "seg-survey.txt"
    assert jobs.preview_rows(None) == []


def test_surveys_say_tells_rounding_from_real_disagreement():
    from types import SimpleNamespace

    from answer.cross_survey import AttributeReport, EntityReport, Statement

    def said(doc, value, number, unit, start, approximate=False):
        return Statement(doc=doc, doc_title=doc, chunk_id=doc, start=start, end=start + 9, line_start=start,
                         line_end=start, quote=value, attribute="data", value=value, normalised=number, unit=unit,
                         source="table-row", approximate=approximate)

    statements = [said("a.txt", "~8.47M", 8.47e6, "", 1, True), said("b.txt", "8.4 M image-text pairs", 8.4e6,
                  "image-text pair", 2), said("a.txt", "6 M triplets", 6e6, "triplet", 3)]
    data = AttributeReport("data", statements, False, [(0, 2)], "count", [(0, 1)])
    report = EntityReport("XAgent", [], [], ["a.txt", "b.txt"], [], {"data": data})
    qa = SimpleNamespace(catalog=object(), cross_survey=SimpleNamespace(about=lambda name: report))
    rows, summary = models.what_surveys_say(SimpleNamespace(status=SimpleNamespace(ready=True), qa=qa), "XAgent")
    assert [r[1] for r in rows] == ["DISAGREE · ≠ differs", "≈ rounding", "≠ differs"]
    assert "✘ **data**: ~8.47M" in summary and "≠ 6 M triplets" in summary
    assert "≈ **data**: ~8.47M ≈ 8.4 M image-text pairs" in summary and "not a disagreement" in summary
