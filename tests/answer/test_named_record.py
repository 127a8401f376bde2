"""A question that names a record (a model, a dataset) is answered only by claims that name it:
a sentence about a longer name holding it (RRL-MedSAM for MedSAM) says the asked thing is missing."""
from dataclasses import replace

import pytest

from answer.citations import Claim
from answer.selection import Selector
from answer.strategies import Candidates, Sentences
from core.settings import Settings
from index.intent import Intent
from tests.conftest import hand_query


def _finish(names: list[str], texts: list[str], numeric: bool = False):
    query = replace(hand_query({"gpus": 2.0, "zorb": 3.0}, Intent(numeric=numeric), "How many GPUs trained Zorb?"),
                    names=names)
    claims = [Claim(text, [(f"chunk-{n}", 0, len(text))]) for n, text in enumerate(texts)]
    return Sentences(Selector(Settings())).finish(query, claims, Candidates([], [], 0.5, set()), "sentences")


def test_claims_about_a_longer_name_only_say_what_is_missing():
    draft = _finish(["Zorb"], ["RRL-Zorb distils its encoder on 8 GPUs.", "Zorb-2 adds a decoder."], numeric=True)
    assert draft.missing == "what the question asks about Zorb" and len(draft.claims) == 1


@pytest.mark.parametrize("texts", [
    ["RRL-Zorb distils its encoder on 8 GPUs.", "Zorb was trained on 16 GPUs."],
    ["ZORB's encoder was trained on 16 GPUs."],
])
def test_a_claim_naming_the_record_answers(texts):
    draft = _finish(["Zorb"], texts, numeric=True)
    assert not draft.missing and len(draft.claims) == len(texts)


def test_a_question_naming_no_record_is_not_checked_for_names():
    assert not _finish([], ["RRL-Zorb distils its encoder on 8 GPUs."], numeric=True).missing
