"""Cross-survey knowledge: the number normaliser, the name matcher, resolution and statements on
small hand-built documents (fast, no index), then the real corpus (integration) — entities merged
across surveys, distinct models kept apart, and the known disagreements found with exact citations."""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
import typer
from typer.testing import CliRunner

from answer.catalog import build_catalog
from answer.cross_survey import build_cross_survey, name_key, parse_quantities, same_name, values_agree, year_of
from answer.cross_survey.compare import same_venue
from answer.cross_survey.quantities import counts_agree, round_sig
from answer.wording import short_title
from ingest.records import Chunk, LoadedDocument

META = "fm-medical-image-analysis-meta-analysis.txt"
MMFM = "mmfm-healthcare-review.txt"
TAMING = "taming-vlms-medical-image-analysis.txt"
AWESOME = "awesome-medical-vlm.md"
ALL = {META, MMFM, TAMING, AWESOME}


# ---------------------------------------------------------------------------------------------
# numbers
@pytest.mark.parametrize("text, value, unit", [
    ("8.5M", 8.5e6, ""), ("8.5 million", 8.5e6, ""), ("8,500,000", 8.5e6, ""), ("~8.47M", 8.47e6, ""),
    ("1.1B masks", 1.1e9, "mask"), ("11M", 11e6, ""), ("223K images", 223e3, "image"), ("22K", 22e3, ""),
    ("8.4 M image-text pairs", 8.4e6, "image-text pair"), ("1M image mask pairs", 1e6, "image-mask pair"),
    ("6 M CXR-text-QA triplets", 6e6, "image-text-qa triplet"), ("50K volumes-text pairs", 50e3, "image-text pair"),
    ("Fifteen Million Scientific Image-Text Pairs", 15e6, "image-text pair"), ("7B parameters", 7e9, "parameter"),
    ("1.6 million image-caption pairs", 1.6e6, "image-text pair"), ("4.6M 2D medical images", 4.6e6, "image"),
    ("2,500 hours", 2500, "hour"), ("20,000 neonatal X-rays and paired reports", 2e4, "image"),
])
def test_counts_are_normalised_with_their_unit(text, value, unit):
    (q,) = parse_quantities(text)
    assert q.value == pytest.approx(value) and q.unit == unit and text.startswith(q.text)


def test_years_percentages_and_model_sizes_in_names_are_not_counts():
    assert parse_quantities("released in 2024, it improves accuracy by 3.9% over Vicuna-7B and PMC-15M") == []


def test_two_counts_in_one_cell_and_bounds():
    found = parse_quantities("11 M images 1.1 B masks; trained on over 1.1B masks")
    assert [(q.value, q.unit, q.bound) for q in found] == [(11e6, "image", ""), (1.1e9, "mask", ""), (1.1e9, "mask", "min")]
    assert parse_quantities("~8.47M")[0].approximate and not parse_quantities("8.47M")[0].approximate


def test_agreement_is_two_significant_figures():
    assert round_sig(8.47e6) == 8.5e6
    assert values_agree(8.47e6, 8.5e6) and values_agree(15.3e6, 15e6) and values_agree(8.5e6, 8_500_000)
    assert not values_agree(8.4e6, 8.5e6) and not values_agree(8.47e6, 8.4e6)
    assert not values_agree(1e6, 1.6e6) and not values_agree(6e6, 8.5e6) and not values_agree(600e3, 660e3)
    assert counts_agree(1.1e9, 1.3e9, "min") and not counts_agree(1.1e9, 0.9e9, "min") and counts_agree(1e6, 0.5e6, "max")


def test_years_from_dates_and_arxiv_ids():
    assert year_of("2024.01") == 2024 and year_of("Ma et al., 2024 [60]") == 2024
    assert year_of("arXiv:2401.12208") == 2024 and year_of("https://arxiv.org/abs/2303.00915") == 2023
    assert year_of("no date") is None


# ---------------------------------------------------------------------------------------------
# names
@pytest.mark.parametrize("a, b", [
    ("LLaVA-Med", "LLaVA Med"), ("LLaVA-Med", "llava-med"), ("Medclip", "MedCLIP"), ("SAM 2", "SAM2"),
    ("SAM-2", "SAMv2"), ("CLIPs", "CLIP"), ("UniMed- CLIP", "UniMed-CLIP"), ("MedSAM-2", "MedSAM2"),
])
def test_variants_of_one_name_match(a, b):
    assert same_name(a, b) and same_name(b, a)


@pytest.mark.parametrize("a, b", [
    ("MedCLIP", "PMC-CLIP"), ("SAM", "MedSAM"), ("MedSAM", "SAM-Med2D"), ("SAM", "SAM-Med2D"), ("CLIP", "BiomedCLIP"),
    ("LLaVA", "LLaVA-Med"), ("μSAM", "SAM"), ("Polyp-SAM", "Polyp-SAM++"), ("MedSAM", "MedSAM-2"), ("SAM", "SAM 2"),
])
def test_distinct_names_never_match(a, b):
    assert not same_name(a, b) and name_key(a) != name_key(b)


def test_venues_match_through_abbreviation_and_wording():
    neurips = "Advances in Neural Information Processing Systems"
    assert same_venue(neurips, "Adv. Neural Inf. Process. Syst")
    assert same_venue(neurips, "presented at the Proceedings of the 37th International Conference on Neural Information Processing Systems")
    assert not same_venue("Nature Communications", "Nature Medicine")
    assert not same_venue("IEEE Transactions on Medical Imaging", "Medical Image Analysis")


# ---------------------------------------------------------------------------------------------
# resolution and statements on hand-built documents (no index)
def _store(docs: dict[str, list[dict]]):
    """A stand-in for StoredIndex: chunks whose spans point into each document's text."""
    chunks, documents = [], {}
    for doc, parts in docs.items():
        text = ""
        for n, part in enumerate(parts):
            start = len(text)
            text += part["text"] + "\n\n"
            chunks.append(Chunk(id=f"{doc}-{n}", doc=doc, doc_title=doc.upper(), section=part.get("section", ["S"]),
                                kind=part.get("kind", "text"), text=part.get("rendered", part["text"]), start=start,
                                end=start + len(part["text"]), line_start=0, line_end=0,
                                caption=part.get("caption", ""), fields=part.get("fields", {}), refs=part.get("refs", {})))
        documents[doc] = LoadedDocument(doc=doc, path=doc, text=text, checksum="x")
    return SimpleNamespace(chunks=chunks, documents=documents)


def _row(name, size, date="2023", ref="1"):
    return {"kind": "table-row", "text": f"{name} [{ref}]\t{date}\t{size}", "caption": "Table 1",
            "fields": {"Model": f"{name} [{ref}]", "Date": date, "Training data Size": size}, "refs": {ref: f"[{ref}] ref"}}


def _ref(number, title, year, venue="Journal of Tests"):
    return {"kind": "reference", "text": f"[{number}] A. Author, {title}, {venue}, {year}.",
            "fields": {"number": number, "title": title, "year": year, "venue": venue}, "section": ["References"]}


@pytest.fixture(scope="module")
def small():
    store = _store({
        "a.txt": [
            _row("MedSAM", "~1.6M", ref="1"), _row("SAM", "11M images", ref="2"), _row("SAM-Med2D", "~15.8M", ref="3"),
            {"text": "MedSAM, proposed by Ma et al. [1], adapts SAM and utilizes a dataset of 1M image-mask pairs."},
            {"text": "SAM 2 was trained on 50.9K videos. Our model outperforms methods such as SAM-Med2D, trained on 90M images."},
            {"text": "By combining MedSAM encoder with a decoder trained on 2M masks, Zeta works well."},
            _ref("1", "Segment anything in medical images", "2024"), _ref("2", "Segment anything", "2023"),
            _ref("3", "Sam-med2d", "2023"), _ref("4", "Medsam-x: another model", "2025"),
        ],
        "b.md": [
            _row("MedSAM", "1.6 M image-mask pairs", date="2024", ref="7"), _ref("7", "Segment anything in medical images", "2023"),
            {"text": "We revisit Medsam [7] and SAM-Med 2D here."},
        ],
    })
    return store, build_cross_survey(store, build_catalog(store))


def test_small_corpus_merges_rows_references_and_mentions(small):
    store, cross = small
    report = cross.about("medsam")
    assert report.name == "MedSAM" and report.docs == ["a.txt", "b.md"]
    kinds = {(s.doc, s.kind) for s in report.sources}
    assert {("a.txt", "table-row"), ("a.txt", "reference"), ("a.txt", "mention"), ("b.md", "table-row"),
            ("b.md", "reference"), ("b.md", "mention")} <= kinds
    assert "Medsam" in report.aliases
    assert cross.which_surveys("SAM-Med2D") == ["a.txt", "b.md"], "'SAM-Med 2D' is written with a space in b.md"
    assert cross.which_surveys("SAM") == ["a.txt"], "'SAM 2' is another model, not a mention of SAM"
    assert cross.about("Medsam-x") is None, "a name only a reference title uses is not an entity"


def test_a_report_restricted_to_some_surveys_cites_only_them(small):
    _, cross = small
    report = cross.about("MedSAM", docs=["b.md"])
    assert report.docs == ["b.md"] and report.sources and {s.doc for s in report.sources} == {"b.md"}
    statements = [s for found in report.attributes.values() for s in found.statements]
    assert statements and {s.doc for s in statements} == {"b.md"}
    assert [s.value for s in report.attributes["data"].statements] == ["1.6 M image-mask pairs"]
    assert report.attributes["data"].agree, "one survey's single value disagrees with nothing"
    assert cross.about("SAM", docs=["b.md"]) is None, "SAM is recorded in a.txt only"
    assert not cross.about("MedSAM").attributes["data"].agree, "the unrestricted report is unchanged"


def test_small_corpus_counts_go_to_the_model_the_sentence_is_about(small):
    _, cross = small
    medsam = cross.about("MedSAM").attributes["data"]
    assert sorted(s.value for s in medsam.statements) == ["1.6 M image-mask pairs", "1M image-mask pairs", "~1.6M"]
    assert not medsam.agree
    involved = {medsam.statements[i].value for pair in medsam.pairs for i in pair}
    assert involved == {"1M image-mask pairs", "~1.6M", "1.6 M image-mask pairs"}
    sam = cross.about("SAM").attributes["data"]
    assert [s.value for s in sam.statements] == ["11M images"], "'SAM 2' counts and 'SAM encoder' are not SAM's"
    med2d = cross.about("SAM-Med2D").attributes["data"]
    assert [s.value for s in med2d.statements] == ["~15.8M"], "'such as SAM-Med2D' is a comparison, not its data"


def test_small_corpus_dates_and_citations(small):
    store, cross = small
    dates = cross.about("MedSAM").attributes["date"]
    assert not dates.agree and {s.normalised for s in dates.statements} == {2023, 2024}
    texts = {d: doc.text for d, doc in store.documents.items()}
    for conflict in cross.conflicts():
        for s in conflict.statements:
            assert s.value in texts[s.doc][s.start:s.end]
            assert s.line_start == texts[s.doc].count("\n", 0, s.start) + 1


# ---------------------------------------------------------------------------------------------
# the real corpus
@pytest.fixture(scope="module")
def cross(corpus_qa):
    return build_cross_survey(corpus_qa.retriever.store, corpus_qa.catalog)


@pytest.fixture(scope="module")
def texts(corpus_qa):
    return corpus_qa.doc_texts


# Which surveys name each model, read off the corpus with grep (whole word, any case).
MERGED = {
    "CheXagent": {META, MMFM, TAMING}, "MedSAM": {META}, "MedCLIP": {AWESOME, META, TAMING}, "PMC-CLIP": ALL,
    "BiomedCLIP": ALL, "LLaVA-Med": {META, MMFM, TAMING}, "SAM-Med2D": {META}, "CT-CLIP": {AWESOME, META, TAMING},
    "PubMedCLIP": {AWESOME, TAMING}, "MIMIC-CXR": ALL, "RETFound": {META, MMFM}, "GLoRIA": {META, TAMING},
}


@pytest.mark.integration
@pytest.mark.parametrize("name, docs", sorted(MERGED.items()))
def test_entity_is_merged_across_surveys(cross, name, docs):
    report = cross.about(name)
    assert report is not None and same_name(report.name, name)
    assert set(report.docs) == docs and set(cross.which_surveys(name.lower())) == docs
    for source in report.sources:  # every passage names this model (or is its reference entry / own record)
        if source.kind == "mention":
            assert same_name(source.written, name), source


@pytest.mark.integration
def test_table_rows_list_entries_references_and_mentions_become_one_entity(cross):
    chexagent = cross.about("chexagent")
    kinds = {(s.doc, s.kind) for s in chexagent.sources}
    assert {(META, "table-row"), (TAMING, "table-row"), (META, "reference"), (TAMING, "reference"),
            (MMFM, "mention"), (META, "mention")} <= kinds
    assert "Chexagent" in chexagent.aliases, "the reference titles write it 'Chexagent: Towards ...'"
    medclip = cross.about("MedCLIP")
    assert {(AWESOME, "list-item"), (META, "table-row"), (TAMING, "table-row")} <= {(s.doc, s.kind) for s in medclip.sources}
    refs = [s for s in medclip.sources if s.kind == "reference"]
    assert refs and all("unpaired" in s.quote.lower() for s in refs), \
        "the homonym 'Medclip: Adapting clip for few-shot ... anomaly detection' is not MedCLIP's reference"


@pytest.mark.integration
@pytest.mark.parametrize("a, b", [("MedCLIP", "PMC-CLIP"), ("SAM", "MedSAM"), ("MedSAM", "SAM-Med2D"), ("SAM", "SAM-Med2D"),
                                  ("CLIP", "BiomedCLIP"), ("MedSAM", "MedSAM-2"), ("Polyp-SAM", "Polyp-SAM++")])
def test_distinct_models_stay_apart(cross, a, b):
    ra, rb = cross.about(a), cross.about(b)
    assert ra is not None and rb is not None and ra.name != rb.name
    chunks_a = {s.chunk_id for s in ra.sources if s.kind != "mention"}
    chunks_b = {s.chunk_id for s in rb.sources if s.kind != "mention"}
    assert not chunks_a & chunks_b, f"{a} and {b} share a record"
    assert all(not same_name(s.written, b) for s in ra.sources if s.written)


@pytest.mark.integration
def test_llava_is_not_llava_med(cross):
    llava = cross.about("LLaVA")
    assert llava is None or llava.name != cross.about("LLaVA-Med").name


def _conflict(cross, entity, attribute):
    found = [c for c in cross.conflicts() if same_name(c.entity, entity) and c.attribute == attribute]
    assert found, f"no {attribute} conflict for {entity}"
    return found[0]


def _cited_ok(statement, texts) -> bool:
    text = texts[statement.doc]
    return statement.value in text[statement.start:statement.end] and statement.line_start == text.count("\n", 0, statement.start) + 1


@pytest.mark.integration
def test_chexagent_training_data_disagrees_within_a_survey_and_agrees_within_rounding_across(cross, texts):
    conflict = _conflict(cross, "CheXagent", "data")  # ~8.47M (table) vs 6M triplets (text), both in META
    assert conflict.within_survey and not conflict.across_surveys and not conflict.direct
    by_value = {(s.doc, round(s.normalised / 1e4)): s for s in conflict.statements}
    assert set(by_value) == {(META, 600), (META, 847)}
    assert by_value[(META, 600)].source == "text" and by_value[(META, 847)].source == "table-row"
    assert all(_cited_ok(s, texts) for s in conflict.statements)
    assert "trained on" in by_value[(META, 600)].quote.lower()
    report = cross.about("CheXagent").attributes["data"]
    rounded = {frozenset((report.statements[i].normalised, report.statements[j].normalised)) for i, j in report.rounding}
    assert rounded == {frozenset((8.47e6, 8.4e6)), frozenset((8.4e6, 8.5e6))}, "8.4M, 8.5M and ~8.47M: one number"
    united = [s for s in report.statements if s.unit == "image-text pair"]
    assert {s.doc for s in united} == {MMFM, TAMING} and "CheXagent" in united[0].quote


@pytest.mark.integration
def test_medsam_text_and_table_disagree(cross, texts):
    conflict = _conflict(cross, "MedSAM", "data")
    assert conflict.docs == [META] and conflict.within_survey and not conflict.across_surveys
    values = {(s.source, s.normalised) for s in conflict.statements}
    assert values == {("text", 1e6), ("table-row", 1.6e6)}
    assert all(_cited_ok(s, texts) for s in conflict.statements)


@pytest.mark.integration
def test_medclip_data_size_differs_across_surveys(cross, texts):
    conflict = _conflict(cross, "MedCLIP", "data")
    assert conflict.across_surveys and set(conflict.docs) == {META, TAMING}
    assert {s.normalised for s in conflict.statements} >= {600e3, 223e3}
    assert all(_cited_ok(s, texts) for s in conflict.statements)


@pytest.mark.integration
def test_paper_list_year_vs_preprint_year(cross, texts):
    conflict = _conflict(cross, "BiomedCLIP", "date")
    heading = next(s for s in conflict.statements if s.source == "list-heading")
    assert heading.doc == AWESOME and heading.normalised == 2025 and "(2025)" in texts[AWESOME][heading.start:heading.end]
    assert any(s.normalised == 2023 and s.doc == AWESOME and "arxiv.org/abs/2303" in s.value for s in conflict.statements)
    assert any(s.normalised == 2023 and s.doc == TAMING for s in conflict.statements)
    assert "preprint" in conflict.note
    assert all(_cited_ok(s, texts) for s in conflict.statements)


@pytest.mark.integration
def test_agreeing_surveys_are_not_conflicts(cross):
    for name in ("PMC-CLIP", "CT-CLIP", "SAM"):
        data = cross.about(name).attributes["data"]
        assert data.agree and len({s.doc for s in data.statements}) >= 2, name
    assert not [c for c in cross.conflicts() if c.entity in ("PMC-CLIP", "CT-CLIP") and c.attribute == "data"]


@pytest.mark.integration
def test_every_conflict_is_cited_and_serialisable(cross, texts):
    conflicts = cross.conflicts()
    assert len(conflicts) >= 4
    for conflict in conflicts:
        assert conflict.pairs and len(conflict.statements) >= 2
        for s in conflict.statements:
            assert _cited_ok(s, texts), (conflict.entity, s)
    payload = json.loads(json.dumps(cross.to_dict()))
    assert payload["entities"] == len(cross.entities) and len(payload["conflicts"]) == len(conflicts)
    json.dumps(cross.about("CheXagent").to_dict())


# ---------------------------------------------------------------------------------------------
# CLI
runner = CliRunner()


@pytest.fixture()
def cli():
    from cli import about as cli_about

    app = typer.Typer()
    app.command("about")(cli_about.about)
    app.command("conflicts")(cli_about.conflicts)
    return app


def test_cli_about_and_conflicts_on_the_tiny_corpus(cli, tiny_settings):
    index = str(tiny_settings.index_dir)
    result = runner.invoke(cli, ["about", "zorblax", "--index", index, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["name"] == "Zorblax" and report["docs"] == ["alpha-survey.txt"]
    data = report["attributes"]["data"]
    assert data["agree"] and {s["value"] for s in data["statements"]} == {"~42M", "42 million CT slices"}
    text = runner.invoke(cli, ["about", "Zorblax", "--index", index])
    assert text.exit_code == 0 and "agree" in text.stdout and "alpha-survey.txt" in text.stdout
    assert runner.invoke(cli, ["about", "Nonexistent", "--index", index]).exit_code == 1
    conflicts = runner.invoke(cli, ["conflicts", "--index", index, "--json"])
    assert conflicts.exit_code == 0 and json.loads(conflicts.stdout) == []


@pytest.mark.integration
def test_cli_conflicts_on_the_corpus(cli, corpus_settings):
    index = str(corpus_settings.index_dir)
    result = runner.invoke(cli, ["conflicts", "--attribute", "data", "--index", index, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and all(r["attribute"] == "data" for r in rows) and "CheXagent" in {r["entity"] for r in rows}
    text = runner.invoke(cli, ["about", "CheXagent", "--index", index], env={"COLUMNS": "200"})
    assert text.exit_code == 0 and "DISAGREE" in text.stdout and re.search(r"mmfm-healthcare-review\.txt L\d+", text.stdout)


@pytest.mark.integration
def test_data_question_about_a_disputed_model_answers_with_every_survey_value(corpus_qa):
    answer = corpus_qa.ask("How much data was CheXagent trained on?")
    assert answer.answer.startswith("The surveys disagree on CheXagent's training data")
    for value in ("8.47M", "8.4 M", "8.5M"):
        assert value in answer.answer
    cited_docs = {c.doc for c in answer.citations}
    assert {"fm-medical-image-analysis-meta-analysis.txt", "taming-vlms-medical-image-analysis.txt",
            "mmfm-healthcare-review.txt"} <= cited_docs
    texts = corpus_qa.doc_texts
    assert all(texts[c.doc][c.start:c.end] == c.text for c in answer.citations)


@pytest.mark.integration
@pytest.mark.parametrize("question", ["How much data was CheXagent trained on?", "What training data did MedSAM use?",
                                      "Which surveys discuss CheXagent?"])
def test_cross_survey_answers_honour_the_document_filter(corpus_qa, question):
    from index.retrieval import Filters

    chosen = "taming-vlms-medical-image-analysis.txt"
    answer = corpus_qa.ask(question, filters=Filters(docs=[chosen]))
    assert {c.doc for c in answer.citations} <= {chosen}
    assert all(p.doc == chosen for p in answer.retrieved)


@pytest.mark.integration
def test_which_surveys_discuss_a_model_is_answered_from_the_merged_entity(corpus_qa):
    answer = corpus_qa.ask("Which surveys discuss CheXagent?")
    assert not answer.abstained
    titles = {c.doc_title for c in answer.citations}
    assert len(titles) == 3 and all(short_title(t, "") in answer.answer for t in titles)
    assert not any(t in answer.answer for t in titles if ":" in t), "surveys are named briefly, without subtitles"
    assert all("chexagent" in c.text.lower() for c in answer.citations)


def test_counts_written_to_different_precision_are_told_apart_from_real_disagreements():
    from answer.cross_survey.quantities import within_rounding, written_digits

    assert within_rounding(8.4e6, 8.5e6) and within_rounding(8.47e6, 8.4e6, 3, 2, approx_a=True)
    assert not within_rounding(8.47e6, 8.4e6, 3, 2), "without the ~, 8.47M is not 8.4M rounded"
    assert not within_rounding(1e6, 1.6e6, 1, 2) and not within_rounding(6e6, 8.5e6, 1, 2)
    assert written_digits("~8.47M") == 3 and written_digits("8.4 M image-text pairs") == 2
