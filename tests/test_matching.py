"""The cross-process record comparison: scores may drift in the last digits, nothing else may."""
import pytest

from tests.matching import assert_records_match, differences

RECORD = {"id": "q1", "answer": "A [1]", "abstained": False,
          "retrieved": [{"rank": 1, "chunk_id": "c1", "start": 0, "end": 10, "score": 0.219199}]}


def _with(**changes):
    passage = dict(RECORD["retrieved"][0], **changes)
    return dict(RECORD, retrieved=[passage])


def test_scores_within_the_tolerance_match():
    assert_records_match(_with(score=0.219198), RECORD)


@pytest.mark.parametrize("changes", [{"score": 0.2193}, {"chunk_id": "c2"}, {"rank": 2}, {"end": 11}])
def test_other_differences_fail(changes):
    found = differences(_with(**changes), RECORD)
    assert len(found) == 1 and found[0].startswith("$.retrieved[0].")
    with pytest.raises(AssertionError, match="records differ"):
        assert_records_match(_with(**changes), RECORD)


def test_missing_items_and_keys_fail():
    assert differences(dict(RECORD, retrieved=[]), RECORD) == ["$.retrieved: 0 items != 1"]
    assert differences({k: v for k, v in RECORD.items() if k != "answer"}, RECORD)
    assert differences(dict(RECORD, abstained=None), RECORD)
