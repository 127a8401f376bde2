# SurveyQA: `make run` sets up everything and serves the UI on the bundled corpus; `make test` runs the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# `make run HOST=... PORT=...` passes them on; otherwise GRADIO_SERVER_NAME / GRADIO_SERVER_PORT or
# 127.0.0.1:7860 decide. Only command-line values count: some shells export HOST as the machine name.
SERVE_ARGS := $(if $(filter command line,$(origin HOST)),--host $(HOST)) $(if $(filter command line,$(origin PORT)),--port $(PORT))
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run install install-test ingest serve test test-fast eval bench clean

run: ingest serve

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on torch==2.13.0
	$(PY) -m pip install --progress-bar on -e .
	touch $(STAMP)

# The tests also need the optional engines (Ray, Milvus, LLM backends), Playwright and pytest.
$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --progress-bar on -e '.[test]'
	touch $(TEST_STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

ingest: install
	$(VENV)/bin/surveyqa ingest

serve: install
	$(VENV)/bin/surveyqa serve $(SERVE_ARGS)

test: install-test
	$(PY) -m pytest -q

test-fast: install-test
	$(PY) -m pytest -q -m "not integration and not browser"

eval: install
	$(VENV)/bin/surveyqa eval data/eval/dev.jsonl --out out/eval --compare

bench: ingest install-test
	$(PY) bench/bench_ingest.py && $(PY) bench/bench_query.py && $(PY) bench/bench_scale.py && $(PY) bench/bench_http.py

clean:
	rm -rf $(VENV) var out .pytest_cache
