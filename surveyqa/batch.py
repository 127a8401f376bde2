"""Answer a file of questions, one answer record per output line, resumably.

Input (chosen by file suffix):

* ``.jsonl`` — one object per line with string ``id`` and ``question``, and optionally ``scope``
  (document file names the answer is restricted to, as in the gold schema);
* ``.csv`` — a header with ``id`` and ``question`` columns;
* anything else — plain text, one question per non-blank line, ids ``q1``, ``q2``, ...

Output: JSON lines, each the answer record of ``ask --json`` (:class:`answer.records.Answer`) with
its ``id`` (with an LLM backend, ``mode`` and ``llm``: model, calls and tokens used). Every record is appended and flushed as soon as its question is done, so an
interrupted run leaves a valid file; re-running skips the ids already in the output (a
truncated last line is cut off first). Nothing aborts the batch after the input is read:

* a question that fails (too long, empty, any exception) is recorded with ``error`` set and
  ``abstained: true``;
* a malformed input line (bad JSON, missing ``id``/``question``, duplicate id, text that is not
  valid Unicode such as a lone surrogate ``\\ud800``) is recorded the same way, with an error
  naming the file and line, under its id if it has one and ``line-<N>`` otherwise (``-2``,
  ``-3``, ... appended while that is a real id of the file; lone surrogates in the id and
  question are recorded as U+FFFD).

Only an unreadable input file (missing, not UTF-8, CSV without the columns) raises
:class:`BatchInputError`. On a Ray engine the questions are answered on Ray
actors, each with its own read-only :class:`~surveyqa.service.SurveyQA` over the same settings
(index directory); this process still writes every record, in input order. The actors cannot
open embedded milvus-lite, so Ray needs ``vector_store`` faiss or a Milvus server URI (else
:class:`~core.engines.EngineUnavailable`, before anything is written). Usable from notebooks::

    from surveyqa.batch import run_batch
    summary = run_batch(SurveyQA(), "questions.txt", "answers.jsonl", csv_path="answers.csv")
"""
from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from answer.records import Answer
from index.retrieval import Filters
from core.engines import Engine, EngineUnavailable, LocalEngine, RayEngine

Tick = Callable[[int, int], None]
CSV_COLUMNS = ("id", "question", "answer", "abstained", "citations", "error", "mode", "model", "tokens")
SURROGATE = re.compile("[\ud800-\udfff]")


class BatchInputError(ValueError):
    """The questions file cannot be read at all."""


@dataclass
class Question:
    id: str | None  # None until :func:`_assign_ids` makes one up for a line without a usable id
    question: str
    line: int
    error: str | None = None
    scope: list[str] = field(default_factory=list)


@dataclass
class BatchSummary:
    out_path: str
    csv_path: str | None = None
    total: int = 0
    skipped: int = 0
    answered: int = 0
    abstained: int = 0
    errors: int = 0
    repaired: bool = False
    seconds: float = 0.0
    error_messages: list[str] = field(default_factory=list)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchInputError(f"{path}: cannot read questions ({exc})") from exc


def _jsonl_question(raw: str, where: str, line: int) -> Question:
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as exc:
        return Question(None, raw, line, f"{where}: not valid JSON ({exc.msg})")
    if not isinstance(row, dict):
        return Question(None, raw, line, f"{where}: expected a JSON object with 'id' and 'question'")
    qid = row.get("id")
    qid = str(qid) if isinstance(qid, (str, int)) and str(qid).strip() else None
    if not isinstance(row.get("question"), str):
        return Question(qid, raw, line, f"{where}: missing string 'question'")
    if qid is None:
        return Question(None, row["question"], line, f"{where}: missing 'id'")
    scope = row.get("scope", [])
    if not (isinstance(scope, list) and all(isinstance(d, str) and d for d in scope)):
        return Question(qid, row["question"], line, f"{where}: 'scope' must be a list of document file names")
    return Question(qid, row["question"], line, scope=scope)


def _csv_questions(path: Path, text: str) -> list[Question]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not {"id", "question"} <= {f.strip() for f in reader.fieldnames}:
        raise BatchInputError(f"{path}:1: the CSV header must have 'id' and 'question' columns "
                              f"(found {', '.join(reader.fieldnames or []) or 'nothing'})")
    out = []
    for row in reader:
        row = {(k or "").strip(): v for k, v in row.items()}
        line = reader.line_num
        qid, question = (row.get("id") or "").strip(), row.get("question")
        if question is None:
            out.append(Question(qid or None, "", line, f"{path}:{line}: missing 'question' value"))
        elif not qid:
            out.append(Question(None, question, line, f"{path}:{line}: missing 'id'"))
        else:
            out.append(Question(qid, question, line))
    return out


def _mark_surrogates(path: Path, questions: list[Question]) -> list[Question]:
    """Replace lone surrogates (which UTF-8 cannot write) in ids and questions, and say so."""
    for q in questions:
        if SURROGATE.search((q.id or "") + q.question):
            q.id, q.question = q.id and SURROGATE.sub("\ufffd", q.id), SURROGATE.sub("\ufffd", q.question)
            q.error = q.error or f"{path}:{q.line}: not valid Unicode text (a lone surrogate, recorded as U+FFFD)"
    return questions


def _mark_duplicates(path: Path, questions: list[Question]) -> list[Question]:
    first: dict[str, int] = {}
    for q in questions:
        if q.id in first:
            q.error = q.error or f"{path}:{q.line}: duplicate id {q.id!r} (first on line {first[q.id]})"
            q.id = None
        elif q.id is not None:
            first[q.id] = q.line
    return questions


def _assign_ids(questions: list[Question]) -> list[Question]:
    """``line-<N>`` for each question without an id, never one that a real id of the file has."""
    taken = {q.id for q in questions}
    for q in questions:
        if q.id is None:
            q.id, n = f"line-{q.line}", 1
            while q.id in taken:
                n += 1
                q.id = f"line-{q.line}-{n}"
            taken.add(q.id)
    return questions


def load_questions(path) -> list[Question]:
    """The questions of ``path`` (format by suffix); malformed lines come back with ``error`` set."""
    path = Path(path)
    text = _read_text(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        questions = _csv_questions(path, text)
    elif suffix == ".jsonl":
        questions = [_jsonl_question(raw, f"{path}:{n}", n)
                     for n, raw in enumerate(text.splitlines(), start=1) if raw.strip()]
    else:
        lines = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1) if raw.strip()]
        questions = [Question(f"q{i}", raw, n) for i, (n, raw) in enumerate(lines, start=1)]
    return _assign_ids(_mark_duplicates(path, _mark_surrogates(path, questions)))


def repair_output(out_path: Path) -> tuple[set[str], bool]:
    """Ids already answered in ``out_path``; a partial last line is cut off (returns whether it was)."""
    if not out_path.exists():
        return set(), False
    data = out_path.read_bytes()
    cut = data.rfind(b"\n") + 1
    tail, repaired = data[cut:], False
    if tail.strip():
        try:
            json.loads(tail)
            with out_path.open("ab") as handle:  # complete record, only its newline is missing
                handle.write(b"\n")
            data += b"\n"
        except ValueError:
            with out_path.open("r+b") as handle:
                handle.truncate(cut)
            data, repaired = data[:cut], True
    done = set()
    for raw in data.splitlines():
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("id") is not None:
            done.add(str(record["id"]))
    return done, repaired


def answer_one(qa, question: Question, k: int) -> Answer:
    """The answer record for one question; failures become an abstention carrying the error."""
    if question.error:
        return Answer(question.question, "", True, id=question.id, error=question.error)
    try:
        answer = qa.ask(question.question, k, filters=Filters(docs=question.scope) if question.scope else None,
                        question_id=question.id)
    except Exception as exc:  # one failing question must not stop the batch
        return Answer(question.question, "", True, id=question.id, error=f"{type(exc).__name__}: {exc}")
    answer.id = question.id
    return answer


def _answerer(settings, k: int):
    """:func:`answer_one` over a SurveyQA of its own, for a worker (the index loads on first use)."""
    from surveyqa.service import SurveyQA

    return partial(answer_one, SurveyQA(settings), k=k)


def citation_spans(record: dict) -> str:
    return "; ".join(f"{c['doc']}:{c['start']}-{c['end']}" for c in record.get("citations", []))


def _llm_cells(llm: dict | None) -> tuple[str, str]:
    """The model name and the tokens used (input + output) of a record answered by an LLM."""
    return (llm["model"], str(llm["input_tokens"] + llm["output_tokens"])) if llm else ("", "")


def export_csv(jsonl_path, csv_path) -> int:
    """Write the records of ``jsonl_path`` as CSV (``CSV_COLUMNS``); returns the row count."""
    rows = 0
    with Path(csv_path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for raw in Path(jsonl_path).read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            writer.writerow([record.get("id"), record.get("question"), record.get("answer"),
                             str(bool(record.get("abstained"))).lower(), citation_spans(record), record.get("error") or "",
                             record.get("mode") or "", *_llm_cells(record.get("llm"))])
            rows += 1
    return rows


def run_batch(qa, questions_path, out_path, k: int = 5, csv_path=None, progress: Tick | None = None,
              engine: Engine | None = None) -> BatchSummary:
    """Answer every question of ``questions_path`` not yet in ``out_path`` on ``engine`` (default:
    this process); see the module docstring.

    On a Ray engine the given ``qa`` is not used on the workers: each actor builds
    ``SurveyQA(qa.settings)``. Raises :class:`EngineUnavailable` (before writing anything) for Ray
    with embedded milvus-lite, which only one process can open.
    """
    settings = qa.settings
    engine = engine or LocalEngine()
    if isinstance(engine, RayEngine) and settings.vector_store == "milvus" and (
            not settings.milvus_uri or settings.milvus_uri.endswith(".db")):
        raise EngineUnavailable("engine 'ray' cannot use embedded milvus-lite (vector_store milvus with an empty "
                                "or .db milvus_uri): use vector_store faiss or a Milvus server URI with engine ray")
    started = time.perf_counter()
    questions = load_questions(questions_path)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    done, repaired = repair_output(out_path)
    todo = [q for q in questions if q.id not in done]
    summary = BatchSummary(str(out_path), str(csv_path) if csv_path else None, len(questions),
                           len(questions) - len(todo), repaired=repaired)
    if progress:
        progress(0, len(todo))
    with out_path.open("a", encoding="utf-8") as handle:
        answers = engine.map(partial(_answerer, settings, k), todo, here=partial(answer_one, qa, k=k))
        for number, (question, answer) in enumerate(zip(todo, answers, strict=True), start=1):
            record = answer.to_dict()
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            _count(summary, record)
            if progress:
                progress(number, len(todo))
    if csv_path:
        export_csv(out_path, csv_path)
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


def _count(summary: BatchSummary, record: dict) -> None:
    if record.get("error"):
        summary.errors += 1
        summary.error_messages.append(f"{record.get('id')}: {record['error'][:300]}")
    elif record.get("abstained"):
        summary.abstained += 1
    else:
        summary.answered += 1
