"""Follow-up questions resolved against the previous turn's subject."""
from answer.followup import mentioned, resolve

NAMES = ("SAM", "SAM-Med2D", "MedSAM", "LCTfound", "MedCLIP")


def test_the_longest_known_name_is_the_subject():
    assert mentioned("What backbone does SAM-Med2D use?", NAMES) == "SAM-Med2D"
    assert mentioned("Compare SAM and MedSAM", NAMES) == "MedSAM"
    assert mentioned("What is segmentation?", NAMES) is None


def test_pronouns_and_references_name_the_previous_subject():
    cases = {
        "And what training data did it use?": "What training data did SAM-Med2D use?",
        "What is its backbone?": "What is SAM-Med2D's backbone?",
        "How was this model evaluated?": "How was SAM-Med2D evaluated?",
        "And the training data?": "The training data of SAM-Med2D?",
    }
    for question, asked in cases.items():
        understood = resolve(question, "SAM-Med2D", NAMES)
        assert (understood.text, understood.subject, understood.shown()) == (asked, "SAM-Med2D", f"{question} (SAM-Med2D)")


def test_questions_that_name_their_subject_or_do_not_refer_back_are_unchanged():
    for question, subject in (("What training data did LCTfound use?", "LCTfound"), ("What is segmentation?", None)):
        understood = resolve(question, "SAM-Med2D", NAMES)
        assert (understood.text, understood.subject, understood.rewritten) == (question, subject, False)
    assert resolve("What did it use?", None, NAMES).text == "What did it use?"
