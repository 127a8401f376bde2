"""Tokens shared by BM25, the survey prior and answer scoring."""
from index.text import tokenize


def test_compounds_yield_their_parts_and_the_joined_form():
    assert tokenize("SAM-Med2D") == ["sammed2d", "sam", "med2d"]


def test_acronym_plurals_match_their_singular():
    for plural, singular in [("VLMs", "VLM"), ("TQ-VFMs", "TQ-VFM"), ("LLMs", "LLM"), ("MMFMs", "MMFM")]:
        assert tokenize(plural) == tokenize(singular), plural


def test_ordinary_words_keep_their_stems():
    assert tokenize("models images masks is ms") == ["model", "imag", "mask", "ms"]


def test_acronym_definitions_find_the_spelled_out_form():
    from index.text import acronym_definitions

    assert acronym_definitions("A notable example is Segment Anything Model (SAM) [27], where") == [
        ("Segment Anything Model", "SAM")]
    assert acronym_definitions("• Vision-encoder based vision foundation models (VE-VFMs): they") == [
        ("Vision-encoder based vision foundation models", "VE-VFMs")]
    assert acronym_definitions("results of the model (see Table 2) and of MedSAM (CT) alone") == []
