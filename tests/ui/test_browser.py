"""The real app in headless Chromium: ask, open a citation, upload a file and ask about it.
Screenshots go to tests/artifacts/."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.store import current_version
from tests.ui.conftest import ARTIFACTS
from tests.ui.corpus_fixture import ZORBLAX, write_corpus, write_extra_documents
from tests.ui.server import start_app, stop_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
REAL_QUESTION = "What backbone does MedSAM use in the meta-analysis table, and how much training data?"
LAST_BOT = "#chatbot [data-testid='bot']:last-of-type, #chatbot .bot-row:last-of-type"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROME_ARGS)
        yield chromium
        chromium.close()


TICKS = "**/gradio_api/run/**"  # Gradio's route for events outside its queue: the status timer's tick


def new_page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    return page


def wait_until_ready(page) -> None:
    page.wait_for_function("document.querySelector('#index-status')?.innerText.includes('Index ready')",
                           timeout=90_000)


def open_page(browser, url):
    page = new_page(browser)
    page.goto(url)
    wait_until_ready(page)
    return page


class HeldTicks:
    """A page's status-timer ticks, held from before the page loads until :meth:`release`."""

    def __init__(self, page):
        self.page, self.routes, self.released = page, [], False
        page.route(TICKS, self._hold)

    def _hold(self, route) -> None:
        self.routes.append(route)

    def release(self) -> None:
        """Let the held ticks and all later ones through; returns once the server answered the first one."""
        if self.released:
            return
        self.released = True
        with self.page.expect_response(lambda response: "/gradio_api/run/" in response.url, timeout=90_000):
            for route in self.routes:
                route.continue_()
            self.page.unroute(TICKS)  # lets through a tick held after the loop too


def open_page_holding_ticks(browser, url):
    """:func:`open_page` with the page's status ticks held (:class:`HeldTicks`); returns (page, ticks)."""
    page = new_page(browser)
    ticks = HeldTicks(page)
    page.goto(url)
    page.wait_for_selector("#index-status")
    if "Index ready" not in page.inner_text("#index-status"):
        ticks.release()  # the page was built before the index: only a tick brings its surveys
    wait_until_ready(page)
    return page, ticks


def ask(page, question: str) -> str:
    """Type a question, send it and wait for the finished reply; returns its text."""
    before = page.locator("#chatbot .bot-row").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function("([n]) => document.querySelectorAll('#chatbot .bot-row').length > n", arg=[before])
    page.wait_for_function(  # the chatbot's status tracker hides once the streamed event is complete
        """() => { const rows = document.querySelectorAll('#chatbot .bot-row');
                   const tracker = document.querySelector('#chatbot [data-testid=status-tracker]');
                   return tracker.classList.contains('hide')
                          && !rows[rows.length - 1].innerText.includes('Searching the surveys'); }""")
    return page.locator("#chatbot .bot-row").last.inner_text()


def open_citation(page, link) -> str:
    """Click an inline [n] marker of another citation than the one shown; returns the sources panel's
    text once it shows that citation (a card with the same marker already shown does not count)."""
    marker = link.inner_text().strip()
    # The card's text, not the panel's: while the request runs, Gradio's timer ("0.0s") changes the
    # panel's text with the old card still in it.
    card = "document.querySelector('#sources-panel .src-card')"
    before = page.evaluate(f"() => {card}?.innerText ?? ''")
    link.click()
    page.wait_for_function(f"""([m, before]) => {{ const card = {card};
                                                   return card?.querySelector('.src-marker')?.innerText === m
                                                          && card.innerText !== before; }}""",
                           arg=[marker, before])
    return page.locator("#sources-panel").inner_text()


@pytest.fixture(scope="module")
def tiny_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-app")
    write_corpus(root / "corpus")
    proc, url = start_app(root / "index", root / "corpus", root / "app.log")  # no index yet: built on start
    yield url, root
    stop_app(proc)


def test_chat_citations_abstention_and_upload(browser, tiny_app):
    url, root = tiny_app
    page = open_page(browser, url)
    reply = ask(page, "What backbone does MedSAM use and how much training data?")
    assert "ViT-B" in reply and "1.57" in reply
    first = page.locator("#chatbot .bot-row").last.locator("a.cite").first
    panel = open_citation(page, first)
    assert "Segmentation Test Models in Medical Imaging" in panel and "Reference:" in panel
    mark = page.locator("#sources-panel mark").first.inner_text()
    assert mark and mark in panel and "MedSAM" in mark
    page.screenshot(path=str(ARTIFACTS / "chat_citation.png"), full_page=True)

    assert "570 thousand" in ask(page, "How many image-text pairs was MedCLIP trained on?")
    page.wait_for_function("document.querySelector('#cite-radio label')")
    page.locator("#cite-radio label").first.click()  # the citation list beside the chat works too
    page.wait_for_function("document.querySelector('#sources-panel').innerText.includes('Vision-Language Test')")

    assert "Not in the indexed documents" in ask(page, "What is the boiling point of tungsten?")
    assert "closest passages" in page.locator("#sources-panel").inner_text().lower()
    assert "Can't ask that" in ask(page, "   ")
    earlier = page.locator("#chatbot .bot-row").first.locator("a.cite").first
    assert "Segmentation Test Models" in open_citation(page, earlier), "markers of earlier replies still open"

    good, bad = root / "zorblax.txt", root / "broken.txt"
    good.write_text(ZORBLAX, encoding="utf-8")
    bad.write_bytes(b"\x00\x9f\x92\x96 binary \x00" * 40)
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#upload-files input[type=file]").set_input_files([str(good), str(bad)])
    page.wait_for_function("document.querySelector('#upload-files').innerText.includes('broken')")  # name, size
    page.click("#add-btn")
    page.wait_for_function("document.querySelector('#upload-summary').innerText.includes('indexed')", timeout=60_000)
    assert "1 file(s) indexed, 1 skipped" in page.inner_text("#upload-summary")
    report = page.inner_text("#upload-report")
    assert "added" in report and "skipped" in report and "binary" in report
    page.wait_for_function("document.querySelector('#docs-table').innerText.includes('zorblax.txt')")
    page.screenshot(path=str(ARTIFACTS / "corpus_upload.png"), full_page=True)

    page.get_by_role("tab", name="Chat").click()
    assert "Zorblax Notes" in page.inner_text("#survey-filter")
    reply = ask(page, "How many tokens was the Zorblax model trained on?")
    assert "42 quintillion tokens" in reply
    panel = open_citation(page, page.locator("#chatbot .bot-row").last.locator("a.cite").first)
    assert "Zorblax Notes" in panel
    page.screenshot(path=str(ARTIFACTS / "chat_uploaded_fact.png"), full_page=True)
    page.close()


@pytest.fixture(scope="module")
def built_app(tiny_root, tmp_path_factory):
    """The app over the prebuilt tiny index, which no test changes: pages load with its surveys."""
    proc, url = start_app(tiny_root / "index", tiny_root / "corpus", tmp_path_factory.mktemp("built-app") / "app.log")
    yield url
    stop_app(proc)


def test_unticking_every_survey_asks_for_one(browser, built_app):
    page, ticks = open_page_holding_ticks(browser, built_app)
    boxes = page.locator("#survey-filter input[type=checkbox]")
    for box in boxes.all():
        box.uncheck()
    ticks.release()
    assert boxes.count() and not any(box.is_checked() for box in boxes.all())
    assert "no survey is selected; pick at least one" in ask(page, "What backbone does MedSAM use?")
    page.close()


def test_a_survey_unticked_right_after_load_stays_unticked(browser, built_app):
    page, ticks = open_page_holding_ticks(browser, built_app)  # the first tick waits until the survey is unticked
    boxes = page.locator("#survey-filter input[type=checkbox]")
    boxes.first.uncheck()
    ticks.release()
    page.wait_for_timeout(3500)  # the timer ticks every second: room for several more ticks
    assert boxes.count() == 2 and [box.is_checked() for box in boxes.all()] == [False, True]
    page.close()


def test_models_tab_lists_catalog_and_demo_status(browser, tiny_app):
    url, _ = tiny_app
    page = open_page(browser, url)
    page.get_by_role("tab", name="Models").click()
    page.wait_for_function("document.querySelector('#catalog-table')?.innerText.includes('SAM-Med2D')")
    assert "ViT-B with adapters" in page.inner_text("#catalog-table")
    status = page.inner_text("#demo-status")
    assert "all-MiniLM-L6-v2" in status and "MedSAM" in status
    page.fill("#say-name textarea", "SAM-Med2D")
    page.click("#say-btn")
    page.wait_for_function("document.querySelector('#say-table')?.innerText.includes('4.6 million')")
    page.screenshot(path=str(ARTIFACTS / "models_tab.png"), full_page=True)
    page.close()


def test_batch_and_eval_tabs_offer_downloads(browser, tiny_app):
    url, root = tiny_app
    questions, gold = root / "questions.txt", root / "gold.jsonl"
    questions.write_text("What backbone does MedSAM use?\nWhat is the boiling point of tungsten?\n")
    gold.write_text(json.dumps({
        "id": "t-1", "question": "How many image-text pairs was MedCLIP trained on?", "answer": "About 570 thousand.",
        "key_facts": ["570 thousand"], "type": "numeric", "difficulty": "easy",
        "evidence": [{"doc": "vlm-review.txt", "quote": "It was trained on about 570 thousand image-text pairs"}]}) + "\n")
    page = open_page(browser, url)
    page.get_by_role("tab", name="Batch").click()
    page.locator("#batch-file input[type=file]").set_input_files(str(questions))
    page.wait_for_function("document.querySelector('#batch-file').innerText.includes('questions')")
    page.click("#batch-btn")
    page.wait_for_function("document.querySelector('#batch-summary').innerText.includes('2 question(s)')")
    assert "1 answered, 1 not in the surveys" in page.inner_text("#batch-summary")
    page.wait_for_function("document.querySelector('#batch-preview')?.innerText.includes('not in the surveys')")
    preview = page.inner_text("#batch-preview")
    assert "What backbone does MedSAM use?" in preview and "answered" in preview and "ViT-B" in preview
    page.wait_for_function("document.querySelector('#batch-results').innerText.includes('csv')")
    page.screenshot(path=str(ARTIFACTS / "batch_preview.png"), full_page=True)
    page.get_by_role("tab", name="Eval").click()
    page.locator("#eval-file input[type=file]").set_input_files(str(gold))
    page.wait_for_function("document.querySelector('#eval-file').innerText.includes('gold')")
    page.click("#eval-btn")
    page.wait_for_function("document.querySelector('#eval-summary').innerText.includes('1 items')", timeout=60_000)
    assert "key_fact_accuracy" in page.inner_text("#eval-metrics")
    page.wait_for_function("document.querySelectorAll('#eval-plots img').length >= 3")
    page.wait_for_function("document.querySelector('#eval-plots img').getBoundingClientRect().width >= 400")
    assert "report" in page.inner_text("#eval-files")
    report = page.get_by_role("link", name="Open report.html").get_attribute("href")
    response = page.request.get(url.rstrip("/") + report)
    assert response.ok and "SurveyQA evaluation report" in response.text()
    page.screenshot(path=str(ARTIFACTS / "eval_tab.png"), full_page=True)
    page.close()


@pytest.fixture(scope="module")
def reader_app(tmp_path_factory):
    """The app over the tiny corpus plus a markdown paper list and a two-column PDF survey."""
    root = tmp_path_factory.mktemp("reader-app")
    write_extra_documents(write_corpus(root / "corpus"))
    proc, url = start_app(root / "index", root / "corpus", root / "app.log")
    yield url
    stop_app(proc)


def box(page, selector: str, index: int = 0) -> dict:
    return page.locator(selector).nth(index).bounding_box()


def test_pdf_citation_shows_the_page_with_the_quote_highlighted(browser, reader_app):
    page = open_page(browser, reader_app)
    reply = ask(page, "How many chest radiographs was PixelMedNet pretrained on?")
    assert "3.2 million chest radiographs" in reply
    assert page.inner_text("#answer-hint").strip() == "", "the 'Answering…' hint is gone once the reply is there"
    link = page.locator("#chatbot .bot-row").last.locator("a.cite").first
    panel = open_citation(page, link)
    assert "Pixel Models for Radiology" in panel and "page 2" in panel
    page.wait_for_function("document.querySelector('#sources-panel .src-page img')?.naturalWidth > 0")
    image, highlights = box(page, "#sources-panel .src-page img"), page.locator("#sources-panel .src-hl")
    assert highlights.count() >= 3, "one box per line of the cited sentences (the fact takes three)"
    for i in range(highlights.count()):
        hl = box(page, "#sources-panel .src-hl", i)
        assert image["x"] + image["width"] / 2 < hl["x"] and hl["x"] + hl["width"] <= image["x"] + image["width"], \
            "inside the right column"
        assert image["y"] + 0.3 * image["height"] < hl["y"] < image["y"] + 0.6 * image["height"]
    href = page.locator("#sources-panel a.src-open").get_attribute("href")
    assert href.endswith("#page=2")
    response = page.request.get(reader_app.rstrip("/") + href.split("#")[0])
    assert response.ok and response.body().startswith(b"%PDF")
    page.screenshot(path=str(ARTIFACTS / "pdf_page_view.png"), full_page=True)
    page.close()


def test_follow_up_question_is_resolved_to_the_previous_subject(browser, reader_app):
    page = open_page(browser, reader_app)
    assert "ViT-B" in ask(page, "What backbone does MedSAM use?")
    reply = ask(page, "And how much training data did it use?")
    assert "1.57" in reply and "4.6" not in reply
    question = page.locator("#chatbot .user-row").last.inner_text()
    assert question.strip() == "And how much training data did it use? (MedSAM)"
    page.screenshot(path=str(ARTIFACTS / "follow_up.png"), full_page=True)
    page.close()


def test_markdown_source_card_shows_no_raw_markup(browser, reader_app):
    page = open_page(browser, reader_app)
    assert "2.4 million" in ask(page, "How many chest radiographs was QuillNet pretrained on?")
    link = page.locator("#chatbot .bot-row").last.locator("a.cite").first
    panel = open_citation(page, link)
    assert "QuillNet" in panel
    markup = page.inner_html("#sources-panel .src-passage")
    for raw in ("&lt;summary", "&lt;details", "**", "[[paper]]", "*et al.*", "oaicite"):
        assert raw not in markup and raw not in panel, raw
    assert page.locator("#sources-panel .src-passage b", has_text="QuillNet").count() >= 1
    assert page.locator("#sources-panel .src-passage a[href='https://example.org/quillnet']").count() == 1
    page.screenshot(path=str(ARTIFACTS / "markdown_source.png"), full_page=True)
    page.close()


def test_catalog_lists_only_models_until_other_kinds_are_ticked(browser, reader_app):
    page = open_page(browser, reader_app)
    page.get_by_role("tab", name="Models").click()
    page.wait_for_function("document.querySelector('#catalog-table')?.innerText.includes('QuillNet')")
    table = page.inner_text("#catalog-table")
    assert "SAM-Med2D\nmodel" in table and "QuillNet\nmodel" in table  # name, then kind
    assert "TestCXR-9\ndataset" not in table and "Radiology Models in Practice" not in table
    page.locator("#catalog-kinds label", has_text="dataset").click()
    page.wait_for_function("document.querySelector('#catalog-table')?.innerText.includes('TestCXR-9\\ndataset')")
    assert "Radiology Models in Practice" not in page.inner_text("#catalog-table")
    page.screenshot(path=str(ARTIFACTS / "catalog_kinds.png"), full_page=True)
    page.close()


@pytest.mark.integration
def test_real_corpus_question_with_citation(browser, tmp_path, corpus_settings):
    version = current_version(corpus_settings.index_dir)
    index = tmp_path / "index"  # a private copy: the shared index is never written
    shutil.copytree(version, index / version.name)
    (index / "CURRENT").write_text(version.name)
    from core.settings import load_settings

    proc, url = start_app(index, load_settings().corpus_dir, tmp_path / "app.log")
    try:
        page = open_page(browser, url)
        reply = ask(page, REAL_QUESTION)
        assert "MedSAM" in reply and "1.6M" in reply
        links = page.locator("#chatbot .bot-row").last.locator("a.cite")
        assert links.count() >= 1
        panel = open_citation(page, links.last)
        mark = page.locator("#sources-panel mark").first.inner_text()
        assert "MedSAM" in mark and mark in panel
        assert "meta-analysis" in panel.lower() or "fm-medical-image-analysis" in panel
        page.screenshot(path=str(ARTIFACTS / "real_corpus_chat.png"), full_page=True)
        page.close()
    finally:
        stop_app(proc)
