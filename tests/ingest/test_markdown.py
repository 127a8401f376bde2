"""Markdown paper lists: one ``list-item`` per paper with labelled fields, sections from headings and
``<summary>`` groups, badges dropped, and an outline of which subsections are empty."""
from __future__ import annotations

from ingest.blocks import split_lines
from ingest.markdown import parse_item, parse_markdown
from tests.ingest.conftest import chunk_with, kinds, parsed

TITLE = "Awesome Test Vision Language Models"


def test_title_is_the_first_level_one_heading():
    assert parsed("paper_list.md").title == TITLE


def test_one_list_item_chunk_per_paper():
    items = kinds(parsed("paper_list.md"), "list-item")
    assert [c.fields["Title"] for c in items] == [
        "Vision-Language Models for Medical Report Generation and Visual Question Answering: A Review",
        "Medical Vision Language Pretraining: A Survey",
        "MedCLIP: Contrastive Learning from Unpaired Medical Images and Text",
        "BioMedLM: A Domain-Specific Language Model for Biomedical Text",
    ]


def test_item_fields_title_link_authors_keywords_digest():
    item = kinds(parsed("paper_list.md"), "list-item")[0]
    assert item.fields == {
        "Title": "Vision-Language Models for Medical Report Generation and Visual Question Answering: A Review",
        "Link": "https://arxiv.org/abs/2403.02469",
        "Authors": "Iryna Hartsock, Ghulam Rasool",
        "Key Words": "Medical AI; Vision-Language Models; Medical Report Generation",
        "Digest": "This review examines medical vision-language models for report generation and VQA. "
                  "It also covers datasets and evaluation metrics.",
    }
    assert item.text.split("\n") == [f"{k}: {v}" for k, v in item.fields.items()]
    assert "<details>" not in item.text and "[[paper]]" not in item.text


def test_other_labels_become_fields_too():
    medclip = chunk_with(parsed("paper_list.md"), "Title: MedCLIP", kind="list-item")
    assert medclip.fields["Modality"] == "Chest Xray"
    assert medclip.fields["Datasets"] == "MIMIC, ChexPert"
    assert medclip.fields["Digest"].startswith("MedCLIP decouples images and texts")


def test_item_span_covers_the_entry_lines_in_the_file():
    result = parsed("paper_list.md")
    item = kinds(result, "list-item")[0]
    source = result.document.text[item.start:item.end]
    assert source.startswith("<summary>Survey: 2024</summary>\n\n- Vision-Language Models")  # group label attached
    assert source.endswith("  </details>")
    assert result.document.text.splitlines()[item.line_end - 1] == "  </details>"


def test_section_path_includes_headings_and_summary_group():
    items = kinds(parsed("paper_list.md"), "list-item")
    assert items[0].section == [TITLE, "Survey", "Survey: 2024"]
    assert items[1].section == [TITLE, "Survey", "Survey: 2023"]
    assert items[2].section == [TITLE, "Existing Models", "CLIP and Variants",
                                "MedCLIP: Contrastive Learning from Unpaired Medical Images and Text (2022)"]
    assert items[3].section == [TITLE, "Existing Models", "Language Modeling"]


def test_text_after_a_closed_group_is_not_inside_the_group():
    note = chunk_with(parsed("paper_list.md"), "Surveys from earlier years")
    assert note.kind == "text"
    assert note.section == [TITLE, "Survey"]


def test_badge_lines_are_dropped():
    result = parsed("paper_list.md")
    assert not any("img.shields.io" in c.text or "![" in c.text for c in result.chunks)
    intro = chunk_with(result, "A curated list")
    assert intro.text == "A curated list of medical vision-language papers with short digests."
    assert intro.section == [TITLE]


def test_outline_records_list_subsections_and_flag_empty_ones():
    result = parsed("paper_list.md")
    outline = chunk_with(result, "Section 'Existing Models' has")
    assert outline.kind == "text" and outline.section == [TITLE, "Existing Models"]
    assert outline.text == ("Section 'Existing Models' has 3 subsections: CLIP and Variants (1 entries); "
                            "Text2Image Models (no entries listed); Language Modeling (1 entries).")
    assert result.document.text[outline.start:outline.end] == "## Existing Models"
    survey = chunk_with(result, "Section 'Survey' has")
    assert "Survey: 2024 (1 entries)" in survey.text and "Survey: 2023 (1 entries)" in survey.text
    top = chunk_with(result, f"Section '{TITLE}' has")
    assert top.text.endswith("Survey (2 entries); Existing Models (2 entries).")


def test_empty_subsection_heading_yields_no_chunk_of_its_own():
    result = parsed("paper_list.md")
    assert not any(c.section[-1:] == ["Text2Image Models"] for c in result.chunks)


def test_parse_item_without_nested_lines():
    lines = split_lines("- Just A Title. [[paper]](https://example.org/x) [[code]](https://example.org/c)\n")
    text, fields = parse_item(lines)
    assert fields == {"Title": "Just A Title", "Link": "https://example.org/x https://example.org/c"}
    assert text == "Title: Just A Title\nLink: https://example.org/x https://example.org/c"


def test_plain_markdown_paragraphs_are_text_chunks_under_their_heading():
    doc = parse_markdown("# Notes\n\n## Part One\n\nSome prose about models.\nIt goes on.\n", "n.md")
    (block,) = [b for b in doc.blocks if b.text is None]
    assert block.kind == "text" and block.section == ["Notes", "Part One"]
    assert doc.references == {}
