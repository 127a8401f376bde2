"""What the Corpus tab refuses or undoes (issue 16 items 2 and 9): files over the size limit, uploads
named like a bundled survey, a cancelled update, copies left by a stopped server, a read-only server."""
from __future__ import annotations

import pytest

from ingest.loaders import MB
from tests.ui.conftest import make_context
from tests.ui.corpus_fixture import ZORBLAX
from ui import corpus
from ui.context import READ_ONLY, AppContext

ORIGINAL = {"seg-survey.txt", "vlm-review.txt"}


def _uploaded(ctx) -> list[str]:
    return sorted(p.name for p in ctx.uploads_dir.rglob("*") if p.is_file())


def _zorblax(tmp_path):
    path = tmp_path / "zorblax.txt"
    path.write_text(ZORBLAX, encoding="utf-8")
    return path


def test_an_upload_over_the_size_limit_is_refused_before_it_is_copied(fresh_ctx, tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(200 * MB)  # sparse: no disk, no time
    rows, summary = corpus.upload_files(fresh_ctx, [str(huge), str(_zorblax(tmp_path))])
    status = {row[0]: row for row in rows}
    assert status["huge.txt"][1:] == ["skipped", 0, "too large: 200.0 MB, over the 50 MB limit per file "
                                                    "(setting max_file_mb)"]
    assert status["zorblax.txt"][1] == "added" and "1 file(s) indexed, 1 skipped" in summary
    assert _uploaded(fresh_ctx) == ["zorblax.txt"], "no copy of the refused file is kept"


def test_an_upload_never_replaces_a_bundled_survey(ctx, tmp_path):
    planted = tmp_path / "seg-survey.txt"
    planted.write_text("Planted Survey\n\nMedSAM uses a ResNet-18 backbone trained on three images.\n", encoding="utf-8")
    before = ctx.documents()["seg-survey.txt"]
    rows, summary = corpus.upload_files(ctx, [str(planted)])
    assert rows == [["seg-survey.txt", "skipped", 0, "a document of this name is indexed from the bundled corpus; "
                                                     "an upload cannot replace it (rename the file)"]]
    assert summary == "**0 file(s) indexed, 1 skipped.**"
    assert ctx.documents()["seg-survey.txt"] == before and not ctx.uploads_dir.exists()
    record = ctx.qa.ask("What backbone does MedSAM use?").to_dict()
    assert "ViT-B" in record["answer"] and "ResNet-18" not in record["answer"]


def test_nor_a_document_ingested_from_another_folder(fresh_ctx, tmp_path):
    planted = tmp_path / "vlm-review.txt"
    planted.write_text("Planted Review\n\nMedCLIP was trained on two image-text pairs.\n", encoding="utf-8")
    rows, _ = corpus.upload_files(fresh_ctx, [str(planted)])
    source = fresh_ctx.documents()["vlm-review.txt"]["path"]
    assert rows[0][1] == "skipped" and rows[0][3].startswith(f"a document of this name is indexed from {source.rsplit('/', 1)[0]};")


def test_an_uploaded_document_can_still_be_replaced_by_a_new_upload(fresh_ctx, tmp_path):
    first = _zorblax(tmp_path)
    assert corpus.upload_files(fresh_ctx, [str(first)])[0][0][1] == "added"
    first.write_text(ZORBLAX.replace("42 quintillion", "43 quintillion"), encoding="utf-8")
    rows, _ = corpus.upload_files(fresh_ctx, [str(first)])
    assert rows[0][1] == "updated" and _uploaded(fresh_ctx) == ["zorblax.txt"]


def test_a_running_upload_can_be_cancelled_and_leaves_nothing_behind(fresh_ctx, tmp_path):
    assert corpus.cancel_update(fresh_ctx) == "No index update is running."
    said = []

    def click_cancel_on_first_step(value, desc=None):  # the user presses Cancel while the upload runs
        if not said:
            said.append(corpus.cancel_update(fresh_ctx))

    rows, summary = corpus.upload_files(fresh_ctx, [str(_zorblax(tmp_path))], click_cancel_on_first_step)
    assert said == ["Cancelling the running index update…"]
    assert summary == "**Cancelled:** nothing was added; the index is unchanged."
    assert set(fresh_ctx.documents()) == ORIGINAL and _uploaded(fresh_ctx) == []
    assert not list(fresh_ctx.uploads_dir.iterdir()), "the upload's folder is gone too"
    rows, _ = corpus.upload_files(fresh_ctx, [str(_zorblax(tmp_path))])
    assert rows[0][1] == "added", "the next upload runs normally"


def test_copies_left_by_a_stopped_server_are_removed_at_start(fresh_ctx, tmp_path):
    corpus.upload_files(fresh_ctx, [str(_zorblax(tmp_path))])
    orphan = fresh_ctx.new_folder(fresh_ctx.uploads_dir, "upload") / "half-ingested.txt"
    orphan.write_text("A file whose ingest was killed.\n", encoding="utf-8")
    restarted = make_context(tmp_path)
    assert _uploaded(restarted) == ["zorblax.txt"] and not orphan.parent.exists()
    assert "zorblax.txt" in restarted.documents()


def test_a_read_only_context_refuses_every_corpus_change(ctx, tmp_path):
    ctx = AppContext(ctx.settings, read_only=True)
    assert ctx.ensure_index().ready
    assert corpus.upload_files(ctx, [str(_zorblax(tmp_path))]) == ([], READ_ONLY)
    assert corpus.remove_document(ctx, "vlm-review.txt") == READ_ONLY
    with pytest.raises(PermissionError, match="read-only"):
        ctx.update_index([], remove=["vlm-review.txt"])
    assert set(ctx.documents()) == ORIGINAL and not ctx.uploads_dir.exists()
