"""Answer sentences read cleanly: markup, links and export artifacts go; opening connectives go."""
import pytest

from answer.wording import answer_sentence, clean_markup, drop_opening_connective, short_title


@pytest.mark.parametrize("raw, clean", [
    ("Glimmer [[paper]](https://example.org/g) pairs reports.", "Glimmer pairs reports."),
    ("See [the code](http://x.org/a_b) now.", "See the code now."),
    ("It uses **ViT-B** and *et al.* style.", "It uses ViT-B and et al. style."),
    ("<summary>Digest</summary> Glimmer pairs images.", "Digest Glimmer pairs images."),
    ("MedSAM adapts SAM:contentReference[oaicite:0]{index=0}.", "MedSAM adapts SAM."),
    ("Code at https://github.com/x/y; weights too.", "Code at https://github.com/x/y; weights too."),
    ("A snake_case_name and 3 * 4 stay.", "A snake_case_name and 3 * 4 stay."),
])
def test_markup_and_artifacts_are_stripped(raw, clean):
    assert clean_markup(raw) == clean


@pytest.mark.parametrize("raw, clean", [
    ("However, the model fails on CT.", "The model fails on CT."),
    ("RayDINO, on the other hand, uses DINOv2.", "RayDINO uses DINOv2."),
    ("In addition, it reports 0.94 AUROC.", "It reports 0.94 AUROC."),
    ("The model, trained on 1M images, works.", "The model, trained on 1M images, works."),
    ("Thus far no model generalises.", "Thus far no model generalises."),
])
def test_opening_connectives_are_dropped(raw, clean):
    assert drop_opening_connective(raw) == clean


def test_answer_sentence_does_both():
    assert answer_sentence("Moreover, **MedCLIP** [[paper]](https://a.b/c) is small.") == "MedCLIP is small."


def test_a_survey_is_named_by_its_title_before_the_subtitle():
    assert short_title("Taming Vision-Language Models for Medical Image Analysis: A Comprehensive Review", "t.txt") == (
        "Taming Vision-Language Models for Medical Image Analysis")
    assert short_title("Notes — a tiny survey", "n.txt") == "Notes"
    assert short_title("", "x.txt") == "x.txt"
