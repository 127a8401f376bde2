"""Tokens shared by BM25, the survey prior and answer scoring."""
from index.text import tokenize


def test_compounds_yield_their_parts_and_the_joined_form():
    assert tokenize("SAM-Med2D") == ["sammed2d", "sam", "med2d"]


def test_acronym_plurals_match_their_singular():
    for plural, singular in [("VLMs", "VLM"), ("TQ-VFMs", "TQ-VFM"), ("LLMs", "LLM"), ("MMFMs", "MMFM")]:
        assert tokenize(plural) == tokenize(singular), plural


def test_ordinary_words_keep_their_stems():
    assert tokenize("models images masks is ms") == ["model", "imag", "mask", "ms"]
