"""Tables: one ``table-row`` chunk per data row, rendered with its header names and caption."""
from __future__ import annotations

from ingest.blocks import split_lines
from ingest.tables import TableBuilder, render_row
from tests.ingest.conftest import chunk_with, kinds, parsed

CAPTION_1 = "Table 1: Summary of existing VLMs used for medical image analysis tasks (M: million)."


def test_one_chunk_per_data_row_and_none_for_header_rows():
    rows = kinds(parsed("elsevier_survey.txt"), "table-row")
    assert [r.fields["Models"] for r in rows] == ["CLIP [9]", "GLIP [10]", "CheXagent [11]", "MedCLIP [12]"]
    assert not any("Model Information" in r.text or r.text.startswith("Models: Models") for r in rows)


def test_row_is_rendered_as_header_value_pairs_with_the_caption_attached():
    row = chunk_with(parsed("elsevier_survey.txt"), "CLIP [9]", kind="table-row")
    assert row.text == "Models: CLIP [9]; Date: 2021; Dataset Scales: 400M image-text pairs; Tasks: VQA, SEG"
    assert row.caption == CAPTION_1
    assert row.fields == {"Models": "CLIP [9]", "Date": "2021", "Dataset Scales": "400M image-text pairs",
                          "Tasks": "VQA, SEG"}
    assert row.section == ["2. Methods", "2.1. Pretraining"]


def test_row_span_is_its_source_line():
    result = parsed("elsevier_survey.txt")
    row = chunk_with(result, "GLIP [10]", kind="table-row")
    source = result.document.text[row.start:row.end]
    assert source == "GLIP [10]\t2022\t27M image-text pairs\t\t✓\t✓"
    assert row.line_start == row.line_end


def test_checkmarks_are_grouped_under_the_spanning_group_header():
    row = chunk_with(parsed("elsevier_survey.txt"), "GLIP [10]", kind="table-row")
    assert row.fields["Tasks"] == "SEG, MIC"
    assert "VQA" not in row.fields["Tasks"]


def test_continuation_after_a_paragraph_reuses_the_header_and_caption():
    result = parsed("elsevier_survey.txt")
    between = chunk_with(result, "The table continues after this paragraph", kind="text")
    cont = chunk_with(result, "CheXagent [11]", kind="table-row")
    assert cont.start > between.end
    assert cont.text == "Models: CheXagent [11]; Date: 2024; Dataset Scales: 8.4 M image-text pairs; Tasks: VQA, MIC"
    assert cont.caption == CAPTION_1
    last = chunk_with(result, "MedCLIP [12]", kind="table-row")
    assert last.fields["Tasks"] == "VQA, SEG, MIC"


def test_a_note_line_under_a_tab_table_is_text_not_a_row():
    result = parsed("elsevier_survey.txt")
    note = chunk_with(result, "marks a task the model was applied to")
    assert note.kind == "text"
    assert len(kinds(result, "table-row")) == 4


def test_table_rows_resolve_their_citation_markers():
    row = chunk_with(parsed("elsevier_survey.txt"), "CheXagent [11]", kind="table-row")
    assert list(row.refs) == ["11"]
    assert row.refs["11"].startswith("[11] Z. Chen, M. Varma, J. Delbrouck")


def test_space_separated_rows_under_a_table_caption_carry_the_header_line():
    result = parsed("mdpi_preprint.txt")
    rows = kinds(result, "table-row")
    assert [r.line_start for r in rows] == sorted(r.line_start for r in rows) and len(rows) == 3
    first = rows[0]
    assert first.text == "Columns: Method Organ Time Param Data quantity. Row: CBraMod [8] Brain 2025.04 4.0 M 1M samples"
    assert first.caption == "Table 2. Summary of other multimodal test models."
    assert all(r.text.startswith("Columns: Method Organ Time Param Data quantity. Row: ") for r in rows)
    assert not any("Disclaimer" in r.text for r in rows)


def test_space_separated_lines_without_a_table_caption_stay_text():
    result = parsed("ieee_survey.txt")
    assert kinds(result, "table-row") == []


def _build(text: str):
    builder, blocks = TableBuilder(), []
    for line in split_lines(text):
        if builder.accepts(line):
            builder.add(line, ["S"])
        else:
            blocks.extend(builder.finish())
            if line.text.startswith("Table"):
                builder.caption(line.text)
    return blocks + builder.finish()


def test_builder_keeps_header_across_blocks_but_resets_it_for_a_new_caption():
    blocks = _build(
        "Table 1: First.\nName\tYear\tSize\nA\t2020\t1M\na note in between\nB\t2021\t2M\n"
        "Table 2: Second.\nModel\tScore\tNotes\nC\t0.9\tok\n"
    )
    assert [b.text for b in blocks] == [
        "Name: A; Year: 2020; Size: 1M",
        "Name: B; Year: 2021; Size: 2M",
        "Model: C; Score: 0.9; Notes: ok",
    ]
    assert [b.caption for b in blocks] == ["Table 1: First.", "Table 1: First.", "Table 2: Second."]


def test_render_row_names_missing_headers_by_column_and_skips_empty_cells():
    text, fields = render_row(["Model", ""], [], ["M1", "", "extra"])
    assert text == "Model: M1; Column 3: extra"
    assert fields == {"Model": "M1", "Column 3": "extra"}


def test_render_row_marks_without_a_group_header_go_under_marked():
    text, _ = render_row(["Model", "CT", "MRI", "US"], [], ["M1", "✓", "●", "x"])
    assert text == "Model: M1; Marked: CT, MRI, US"


def test_render_row_cross_marks_mean_not_applied():
    text, fields = render_row(["Model", "CT", "MRI"], ["", "Modality", "Modality"], ["M1", "✗", "✓"])
    assert text == "Model: M1; Modality: MRI"
    assert "CT" not in fields.values()
