"""The SurveyQA web UI (Gradio): Chat, Corpus, Models, Batch and Eval tabs.

``launch(host, port)`` serves it (``surveyqa serve`` and ``python app.py`` call it); the index
is built from the bundled corpus in the background if missing, with progress in a status box."""
from __future__ import annotations

import argparse
import os
from functools import partial
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from core.settings import PROJECT_ROOT, Settings, load_settings  # noqa: E402
from surveyqa import MB  # noqa: E402
from ui import chat, corpus, jobs, models, render  # noqa: E402
from ui.api import ask_route  # noqa: E402
from ui.context import READ_ONLY, AppContext  # noqa: E402
from ui.serving import MAX_K, bounded_k, logins, read_only_for  # noqa: E402

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 7860
CHAT_CONCURRENCY = 8
STARTUP_WAIT_S = 10
SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"]
EVAL_PLOTS_HEIGHT = 1300  # px: two rows of two plots at about 600 px each, readable without opening them
DOC_WIDTHS = ["26%", "52%", "8%", "14%"]  # document, title, chunks, source
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "monospace"]


def _status_tick(ctx: AppContext, shown: list[str], selected: list[str] | None):
    """Status box refresh while the index builds. Then the timer stops and, only if the indexed surveys
    differ from the ``shown`` ones the page was built with, the document lists are refreshed, keeping
    the user's ``selected`` surveys (:func:`corpus.kept_selection`)."""
    message = ctx.status.message()
    if not (ctx.status.ready or ctx.status.error):
        return message, gr.Timer(active=True), gr.update(), gr.update(), gr.update()
    if sorted(ctx.documents()) == shown:
        return message, gr.Timer(active=False), gr.update(), gr.update(), gr.update()
    return (message, gr.Timer(active=False), *corpus.doc_updates(ctx, shown, selected))


def _chat_tab(ctx: AppContext) -> dict:
    names = sorted(ctx.documents())
    examples = chat.example_questions(PROJECT_ROOT / "data" / "eval" / "dev.jsonl",
                                      {p.name for p in Path(ctx.settings.corpus_dir).glob("*")})
    with gr.Row():
        mode = gr.Radio(["hybrid", "dense", "bm25"], value=ctx.settings.retrieval_mode, label="Retrieval mode",
                        elem_id="mode", scale=1)
        k = gr.Slider(1, MAX_K, value=ctx.settings.top_k, step=1, label="Passages retrieved (k)", elem_id="k", scale=1)
        docs = gr.CheckboxGroup(render.survey_choices(ctx.documents()), value=names, label="Surveys to search",
                                elem_id="survey-filter", scale=3)
    with gr.Row():
        with gr.Column(scale=3):
            bot = gr.Chatbot(label="Conversation", height=480, elem_id="chatbot", buttons=["copy"],
                             placeholder="Ask a question about the indexed survey papers.")
            question = gr.Textbox(placeholder="Ask about the surveys… (Enter to send)", show_label=False,
                                  elem_id="question", lines=1, max_lines=4)
            with gr.Row():
                ask = gr.Button("Ask", variant="primary", elem_id="ask-btn")
                clear = gr.Button("New conversation", elem_id="clear-btn")
            if examples:
                gr.Examples([[q] for q in examples], inputs=[question], label="Example questions")
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            radio = gr.Radio([], label="Citations of the last answer", visible=False, elem_id="cite-radio")
            hint = gr.HTML("", elem_id="answer-hint")
            sources = gr.HTML(render.EMPTY_SOURCES, elem_id="sources-panel")
            target = gr.Textbox(visible="hidden", elem_id="cite-target")
    turns = gr.State([])
    outputs = [question, bot, turns, radio, sources, hint]
    for trigger in (question.submit, ask.click):
        trigger(partial(chat.respond, ctx), [question, bot, turns, mode, k, docs], outputs,
                concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
    show = partial(chat.show_source, ctx=ctx)
    radio.input(show, [radio, turns], sources, queue=False)
    target.change(show, [target, turns], sources, queue=False)
    clear.click(chat.clear_chat, None, [bot, turns, radio, sources, hint], queue=False)
    bot.clear(chat.clear_chat, None, [bot, turns, radio, sources, hint], queue=False)
    return {"docs": docs}


def _corpus_tab(ctx: AppContext, chat_docs) -> dict:
    changes = not ctx.read_only
    gr.Markdown(f"Add survey papers (.pdf, .txt, .md, up to {ctx.settings.max_file_mb:g} MB each). Files that cannot "
                "be read are reported and left out; the rest are indexed and become searchable in Chat."
                if changes else f"**{READ_ONLY}**", elem_id="corpus-intro")
    files = gr.File(file_count="multiple", file_types=[".pdf", ".txt", ".md"], label="Files to add",
                    elem_id="upload-files", interactive=changes)
    with gr.Row():
        add = gr.Button("Add to index", variant="primary", elem_id="add-btn", interactive=changes, scale=3)
        cancel = gr.Button("Cancel the running update", elem_id="cancel-btn", interactive=changes, scale=1)
    summary = gr.Markdown(elem_id="upload-summary")
    report = gr.Dataframe(headers=corpus.REPORT_HEADERS, interactive=False, wrap=True, elem_id="upload-report")
    gr.Markdown("### Indexed documents")
    table = gr.Dataframe(corpus.document_rows(ctx), headers=corpus.DOC_HEADERS, interactive=False, wrap=True,
                         column_widths=DOC_WIDTHS, elem_id="docs-table")
    with gr.Row():
        pick = gr.Dropdown(sorted(ctx.documents()), label="Document to remove", elem_id="remove-pick", scale=3)
        remove = gr.Button("Remove from index", variant="stop", elem_id="remove-btn", scale=1, interactive=changes)
    removed = gr.Markdown(elem_id="remove-summary")

    def on_add(uploaded, progress=gr.Progress()):
        rows, text = corpus.upload_files(ctx, uploaded, progress)
        return (rows, text, None, *corpus.doc_updates(ctx))

    def on_remove(doc, progress=gr.Progress()):
        return (corpus.remove_document(ctx, doc, progress), *corpus.doc_updates(ctx))

    add.click(on_add, files, [report, summary, files, table, pick, chat_docs],
              concurrency_limit=1, concurrency_id="index")
    remove.click(on_remove, pick, [removed, table, pick, chat_docs], concurrency_limit=1, concurrency_id="index")
    cancel.click(partial(corpus.cancel_update, ctx), None, summary, queue=False)
    return {"table": table, "pick": pick}


def _catalog_section(ctx: AppContext):
    gr.Markdown("### Model catalog\nModels recorded in the surveys' tables and lists (and, on request, the datasets, "
                "papers and surveys they list). Filter by any attribute.")
    with gr.Row():
        query = gr.Textbox(label="Filter (name, backbone, modality, task, data…)", elem_id="catalog-filter", scale=3)
        kinds = gr.CheckboxGroup(list(models.KINDS), value=models.DEFAULT_KINDS, label="Show", elem_id="catalog-kinds",
                                 scale=2)
    status = gr.Markdown(elem_id="catalog-status")
    table = gr.Dataframe(headers=models.CATALOG_HEADERS, interactive=False, wrap=True, max_height=380,
                         column_widths=models.CATALOG_WIDTHS, elem_id="catalog-table")
    gr.Markdown("### Compare models side by side")
    with gr.Row():
        pick = gr.Dropdown([], multiselect=True, label="Models (pick 2 or more)", elem_id="compare-pick", scale=4)
        go = gr.Button("Compare", elem_id="compare-btn", scale=1)
    compared = gr.Dataframe(headers=["attribute", "model 1", "model 2"], interactive=False, wrap=True,
                            elem_id="compare-table")
    cites = gr.Markdown(elem_id="compare-cites")

    def on_filter(text, kind_list):
        return models.catalog_rows(ctx, text, kind_list)

    def on_compare(names):
        import pandas as pd

        rows, headers, text = models.compare_models(ctx, names)
        return pd.DataFrame(rows, columns=headers), text

    query.change(on_filter, [query, kinds], [table, status], concurrency_id="catalog")
    kinds.change(on_filter, [query, kinds], [table, status], concurrency_id="catalog")
    go.click(on_compare, pick, [compared, cites], concurrency_id="catalog")
    def on_open(text, kind_list):
        return (*models.catalog_rows(ctx, text, kind_list), gr.update(choices=models.catalog_names(ctx)))

    return on_open, [query, kinds], [table, status, pick]


def _surveys_say_section(ctx: AppContext) -> None:
    gr.Markdown("### What the surveys say\nOne model across all surveys: each survey's value per attribute, "
                "with disagreements flagged and every statement cited.")
    with gr.Row():
        name = gr.Textbox(label="Model", placeholder="e.g. CheXagent", elem_id="say-name", scale=4)
        go = gr.Button("Show", elem_id="say-btn", scale=1)
    table = gr.Dataframe(headers=models.SAY_HEADERS, interactive=False, wrap=True, column_widths=models.SAY_WIDTHS,
                         elem_id="say-table")
    summary = gr.Markdown(elem_id="say-summary")
    go.click(partial(models.what_surveys_say, ctx), name, [table, summary], concurrency_id="catalog")
    name.submit(partial(models.what_surveys_say, ctx), name, [table, summary], concurrency_id="catalog")


def _demo_section(ctx: AppContext) -> None:
    gr.Markdown("### Run a model\nOnly models whose weights are on this machine can run; the table says which "
                "and, for the others, what is missing. Nothing is downloaded.")
    rows = models.demo_status(ctx)
    gr.Dataframe(rows, headers=models.STATUS_HEADERS, interactive=False, wrap=True, max_height=300,
                 column_widths=["16%", "20%", "10%", "8%", "46%"], elem_id="demo-status")
    runnable = models.runnable_names(rows)
    with gr.Row():
        with gr.Column():
            name = gr.Dropdown([r[0] for r in rows], value=runnable[0] if runnable else None, label="Model",
                               elem_id="demo-model")
            text = gr.Textbox(label="Text (text models)", placeholder="chest x-ray showing pneumonia")
            labels = gr.Textbox(label="Labels or phrases, comma-separated (optional)")
            image = gr.Image(type="filepath", label="Image (image models; optional)", height=200)
            run = gr.Button("Run demo", variant="primary", elem_id="demo-btn")
        with gr.Column():
            message = gr.Markdown(elem_id="demo-message")
            scores = gr.Dataframe(headers=models.SCORE_HEADERS, interactive=False, elem_id="demo-scores")
            picture = gr.Image(label="Output image", interactive=False, height=260)
    run.click(partial(models.run_model_demo, ctx), [name, text, image, labels], [scores, picture, message],
              concurrency_limit=1, concurrency_id="models")


def _batch_tab(ctx: AppContext) -> None:
    gr.Markdown("Upload questions: `.txt` (one per line), `.jsonl` or `.csv` (with `id` and `question`). "
                "Every question gets an answer record; download them as JSON lines and CSV.")
    file = gr.File(label="Questions file", file_types=[".txt", ".jsonl", ".csv"], elem_id="batch-file")
    k = gr.Slider(1, MAX_K, value=ctx.settings.top_k, step=1, label="Passages retrieved (k)")
    run = gr.Button("Answer all", variant="primary", elem_id="batch-btn")
    summary = gr.Markdown(elem_id="batch-summary")
    preview = gr.Dataframe(headers=jobs.PREVIEW_HEADERS, interactive=False, wrap=True, max_height=420,
                           column_widths=["8%", "26%", "40%", "10%", "16%"], label="Answers (first 200)",
                           elem_id="batch-preview")
    results = gr.File(label="Results", file_count="multiple", interactive=False, elem_id="batch-results")

    def on_run(questions, k_value, progress=gr.Progress()):
        text, files = jobs.run_batch_job(ctx, questions, k_value, progress)
        return text, jobs.preview_rows(files[0] if files else None), files

    run.click(on_run, [file, k], [summary, preview, results], concurrency_limit=1, concurrency_id="jobs")


def _eval_tab(ctx: AppContext) -> None:
    gr.Markdown(f"Score SurveyQA on a gold QA set (schema of `data/eval/README.md`). "
                f"Leave the file empty to use `{jobs.DEFAULT_GOLD.relative_to(PROJECT_ROOT)}`.")
    file = gr.File(label="Gold set (.jsonl, optional)", file_types=[".jsonl"], elem_id="eval-file")
    k = gr.Slider(1, MAX_K, value=ctx.settings.top_k, step=1, label="k")
    run = gr.Button("Run evaluation", variant="primary", elem_id="eval-btn")
    summary = gr.Markdown(elem_id="eval-summary")
    metrics = gr.Dataframe(headers=jobs.METRIC_HEADERS, interactive=False, max_height=360, elem_id="eval-metrics")
    gallery = gr.Gallery(label="Report plots (click one to enlarge)", columns=2, height=EVAL_PLOTS_HEIGHT,
                         object_fit="contain", allow_preview=True, elem_id="eval-plots")
    files = gr.File(label="Report (report.html, report.md, metrics.json, per_item.jsonl)", file_count="multiple",
                    interactive=False, elem_id="eval-files")

    def on_run(gold, k_value, progress=gr.Progress()):
        return jobs.run_eval_job(ctx, gold, k_value, progress)

    run.click(on_run, [file, k], [metrics, gallery, files, summary], concurrency_limit=1, concurrency_id="jobs")


def build_app(ctx: AppContext) -> gr.Blocks:
    """The Blocks app over ``ctx`` (not yet queued or launched)."""
    shown = sorted(ctx.documents())  # before the tabs: a corpus changing while they are built is refreshed by a tick
    with gr.Blocks(title="SurveyQA", analytics_enabled=False) as demo:
        gr.Markdown("# SurveyQA\nCited answers from survey papers — every sentence links to its source passage.")
        status = gr.Markdown(ctx.status.message(), elem_id="index-status")
        timer = gr.Timer(1.0)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chat_parts = _chat_tab(ctx)
            with gr.Tab("Corpus", id="corpus"):
                corpus_parts = _corpus_tab(ctx, chat_parts["docs"])
            with gr.Tab("Models", id="models") as models_tab:
                load_catalog, catalog_inputs, catalog_outputs = _catalog_section(ctx)
                _surveys_say_section(ctx)
                _demo_section(ctx)
            with gr.Tab("Batch", id="batch"):
                _batch_tab(ctx)
            with gr.Tab("Eval", id="eval"):
                _eval_tab(ctx)
        doc_outputs = [corpus_parts["table"], corpus_parts["pick"], chat_parts["docs"]]
        timer.tick(partial(_status_tick, ctx, shown), chat_parts["docs"], [status, timer, *doc_outputs], queue=False,
                   show_progress="hidden")
        models_tab.select(load_catalog, catalog_inputs, catalog_outputs, concurrency_id="catalog")

        def ask(question: str, k: int = ctx.settings.top_k, mode: str = ctx.settings.retrieval_mode,
                docs: list[str] | None = None) -> dict:
            """Answer one question: the record of `surveyqa ask --json`; k is 1 to MAX_K; docs: surveys to search."""
            return chat.answer_record(ctx, question, bounded_k(k), mode, docs)

        gr.api(ask, api_name="ask", concurrency_limit=CHAT_CONCURRENCY, concurrency_id="chat")
    return demo


def theme() -> gr.themes.Base:
    return gr.themes.Soft(font=SYSTEM_FONTS, font_mono=MONO_FONTS)


def launch(host: str | None = None, port: int | None = None, settings: Settings | None = None,
           block: bool = True, ask_processes: int = 0) -> gr.Blocks:
    """Serve the UI on ``host:port``; unset, they come from Gradio's GRADIO_SERVER_NAME / GRADIO_SERVER_PORT,
    then SURVEYQA_HOST / SURVEYQA_PORT, then 127.0.0.1:7860. Torch keeps ``query_threads`` threads. The corpus
    is read-only unless the host is loopback or the ``read_only`` setting says otherwise; ``ui_auth`` adds
    a login; Gradio refuses uploads over ``max_file_mb``. The same server answers ``POST /api/ask`` (``ui.api``);
    with ``ask_processes``, the HTTP APIs answer in that many processes (``ui.answer_processes``)."""
    env = os.environ.get
    host = host or env("GRADIO_SERVER_NAME") or env("SURVEYQA_HOST") or DEFAULT_HOST
    port = int(port or env("GRADIO_SERVER_PORT") or env("SURVEYQA_PORT") or DEFAULT_PORT)
    settings = settings or load_settings()
    auth = logins(settings)  # a malformed ui_auth stops here, before anything is served
    ctx = AppContext(settings, read_only=read_only_for(host, settings), ask_processes=ask_processes)
    ctx.start_background_build().join(timeout=STARTUP_WAIT_S)  # an existing index loads in time
    demo = build_app(ctx)
    demo.queue(default_concurrency_limit=CHAT_CONCURRENCY)
    ctx.runs_dir.mkdir(parents=True, exist_ok=True)
    served = [ctx.runs_dir, Path(ctx.settings.corpus_dir), ctx.uploads_dir]  # reports; PDFs opened at a cited page
    demo.launch(server_name=host, server_port=port, prevent_thread_lock=not block, show_error=True,
                allowed_paths=[str(p) for p in served], theme=theme(), css=render.CSS, js=render.CITE_JS,
                ssr_mode=False, footer_links=[], auth=auth, max_file_size=int(settings.max_file_mb * MB),
                app_kwargs={"routes": [ask_route(ctx)]})
    return demo


def main(argv: list[str] | None = None) -> None:
    """``python app.py [--host H] [--port P] [--index DIR] [--corpus DIR] [--read-only | --no-read-only]
    [--ask-processes N]``."""
    parser = argparse.ArgumentParser(description="Serve the SurveyQA web UI.")
    parser.add_argument("--host", default=None, help=f"interface to bind (default GRADIO_SERVER_NAME or {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=None, help=f"port (default GRADIO_SERVER_PORT or {DEFAULT_PORT})")
    parser.add_argument("--index", type=Path, default=None, help="index directory")
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder used when the index is missing")
    parser.add_argument("--read-only", action=argparse.BooleanOptionalAction, default=None,
                        help="corpus changes off (--no-read-only: on); default: off only on a loopback address")
    parser.add_argument("--ask-processes", type=int, default=0, metavar="N",
                        help="answer the HTTP APIs (/api/ask, /ask) in N processes, one torch thread each (default 0: "
                             "in this process)")
    args = parser.parse_args(argv)
    launch(args.host, args.port, load_settings(index_dir=args.index, corpus_dir=args.corpus, read_only=args.read_only),
           ask_processes=args.ask_processes)
