"""Many clients at once: answers from parallel threads equal the sequential ones, also while the
index is being rewritten and reloaded underneath them."""
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor

from surveyqa.service import SurveyQA
from index.build import build_index

QUESTIONS = ["What backbone does Quibble use?", "How many CT slices was the Zorblax model trained on?",
             "Who are the authors of Glimmer?", "What does Glimmer generate?"]


def _strip(answer):
    return answer.answer, [c.chunk_id for c in answer.citations]


def test_parallel_answers_match_sequential_answers_during_reindexing(tiny_settings, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(tiny_settings.index_dir, index_dir)
    settings = tiny_settings.model_copy(update={"index_dir": index_dir})
    qa = SurveyQA(settings)
    expected = {q: _strip(qa.ask(q)) for q in QUESTIONS}
    stop = threading.Event()

    def reindex():
        while not stop.is_set():
            build_index([tiny_settings.corpus_dir], settings, rebuild=True)
            qa.reload()

    writer = threading.Thread(target=reindex)
    writer.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda q: (q, _strip(qa.ask(q))), QUESTIONS * 6, timeout=300))
    finally:
        stop.set()
        writer.join(timeout=120)
    assert len(results) == 24
    for question, got in results:
        assert got == expected[question], question
