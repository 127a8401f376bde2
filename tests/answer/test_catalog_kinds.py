"""Catalog entries carry a kind, names repaired against their document, dates from cited studies."""
from answer.catalog import entry_from_chunk, repair_splits
from ingest.records import Chunk


def chunk(kind, fields, section=("Models",), caption="", refs=None):
    return Chunk(id="c", doc="d.md", doc_title="D", section=["D", *section], kind=kind, text="x", start=0, end=1,
                 line_start=1, line_end=1, caption=caption, fields=fields, refs=refs or {})


def kind_of(kind, fields, **kwargs):
    return entry_from_chunk(chunk(kind, fields, **kwargs)).kind


def test_list_entries_are_models_datasets_papers_or_surveys():
    assert kind_of("list-item", {"Title": "MedCLIP: Contrastive Learning from Unpaired Medical Images and Text"}) == "model"
    assert kind_of("list-item", {"Title": "Medical Vision Language Pretraining: A Survey"}) == "survey"
    assert kind_of("list-item", {"Title": "Models for X"}, section=("Surveys", "2024")) == "survey"
    assert kind_of("list-item", {"Title": "MIMIC-CXR: A De-identified Publicly Available Database of Radiographs"}) \
        == "dataset"
    assert kind_of("list-item", {"Title": "BIOMEDICA: An Open Image-Caption Archive, Dataset, and Models"}) == "dataset"
    assert kind_of("list-item", {"Title": "Fair Text to Medical Image Diffusion Model with Aligned Tuning"}) == "paper"
    assert kind_of("list-item", {"Title": "Developing Generalist Foundation Models from a Multimodal Dataset"}) == "paper"


def test_table_rows_are_models_unless_their_name_column_holds_datasets():
    assert kind_of("table-row", {"Model": "SAM-Med2D", "Backbone": "ViT-B"}, caption="Table 1") == "model"
    assert kind_of("table-row", {"Dataset": "MIMIC-CXR", "Images": "377K"}, caption="Table 2") == "dataset"


def test_a_row_without_a_date_takes_the_year_of_the_study_it_cites():
    entry = entry_from_chunk(chunk("table-row", {"Study": "Gao et al., 2024 [99]", "Model": "Swin-LiteMedSAM"}))
    assert entry.date == "2024"
    cited = entry_from_chunk(chunk("table-row", {"Model": "Zeus"}, refs={"85": "[85] S. Sathish. Zeus. MICCAI, 2023."}))
    assert cited.date == "2023"


def test_split_names_are_joined_only_where_the_document_writes_them_joined():
    words = {"Swin-LiteMedSAM", "teacher", "Tiny", "Swin", "MedCLIP-SAM"}
    assert repair_splits("Swin- LiteMedSAM", words) == "Swin-LiteMedSAM"
    assert repair_splits("Tiny Swin Transformer (student), MedSAM(teach er)", words) \
        == "Tiny Swin Transformer (student), MedSAM(teacher)"
    assert repair_splits("MedCLIP- SAM", words) == "MedCLIP-SAM"
    assert repair_splits("EfficientViT- SAM", words) == "EfficientViT- SAM", "no joined form in the document"
