# The course's stable interface (docs/setup.md explains each target).
# Every target creates .venv on first use; nothing is installed outside it.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PLATFORM := projects/litho-platform
PORT ?= 8000
# CH=3, CH=03 and CH=03-databases all mean chapter 03.
CHN = $(shell printf '%02d' $$((10#$(firstword $(subst -, ,$(CH))))) 2>/dev/null)
CHAPTER_DIR = $(firstword $(wildcard chapters/$(CHN)-*))

.PHONY: help venv run run-stack test lint demo check grade verify new-exercise new-service \
        load bench-litho bench-api bench-grading mutants autograder classroom lock clean

help:
	@echo "make run                         start the litho platform (embedded default)"
	@echo "make test                        lint, the whole test suite, and make verify"
	@echo "make demo CH=NN                  run chapter NN's demo"
	@echo "make check [CH=NN] [WATCH=1]     check your exercises; see what to do next"
	@echo "make grade SUBMISSION=path [CH=NN] [OUT=dir] [EXTRA=dir] [UNCONFINED=1]"
	@echo "make grade CLASS=dir [OUT=dir] [EXTRA=dir] [JOBS=N] [UNCONFINED=1]"
	@echo "make verify [CH=NN] [MUTANTS=1]  starters fail, solutions pass, points, demos"
	@echo "make mutants [CH=NN]             mutants of each solution the graded tests kill"
	@echo "make autograder [CH=NN]          Gradescope autograder zip"
	@echo "make classroom CH=NN             GitHub Classroom autograding workflow"
	@echo "make bench-grading               grading overhead: sandbox, submission, class"
	@echo "make new-exercise CH=NN NAME=slug"
	@echo "make new-service [ARGS=...]      bake the service template"
	@echo "make load                        locust against a running platform"
	@echo "make run-stack                   the platform on PostgreSQL, Redis and a Celery worker"
	@echo "make bench-litho                 analysis engine benchmark"
	@echo "make bench-api                   API throughput against a bare endpoint"

$(STAMP): requirements.txt testing/pyproject.toml $(wildcard $(PLATFORM)/pyproject.toml)
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required (python3.11 or python3 on PATH)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' \
		|| { echo "Python 3.11 or newer is required; found $$($(PYTHON) --version)"; exit 1; }
	@echo "Setting up $(VENV) (first run takes a minute)…"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	@$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e testing \
		$(if $(wildcard $(PLATFORM)/pyproject.toml),-e $(PLATFORM))
	@touch $@

venv: $(STAMP)

run: venv
	@$(BIN)/flask --app litho_platform db upgrade
	@PORT=$(PORT) $(BIN)/python -m litho_platform

test: venv lint
	$(BIN)/python -m pytest
	$(BIN)/course verify

lint: venv
	$(BIN)/ruff check .

demo: venv
	@test -n "$(CH)" || { echo "usage: make demo CH=NN"; exit 2; }
	@test -n "$(CHAPTER_DIR)" || { echo "no chapter $(CH) (chapters: $$(ls chapters))"; exit 2; }
	cd $(CHAPTER_DIR)/demo && $(abspath $(BIN))/python -m ch$(CHN)_demo

check: venv
	$(BIN)/course check $(if $(CH),--ch $(CH)) $(if $(WATCH),--watch)

grade: venv
	@test -n "$(SUBMISSION)$(CLASS)" \
		|| { echo "usage: make grade SUBMISSION=path | CLASS=dir [CH=NN] [OUT=dir] [EXTRA=dir]"; exit 2; }
	$(BIN)/course grade $(if $(SUBMISSION),--submission "$(SUBMISSION)") \
		$(if $(CLASS),--class "$(CLASS)") $(if $(CH),--ch $(CH)) --out "$(or $(OUT),grades)" \
		$(if $(EXTRA),--extra-tests "$(EXTRA)") $(if $(JOBS),--jobs $(JOBS)) \
		$(if $(UNCONFINED),--unconfined)

verify: venv
	$(BIN)/course verify $(if $(CH),--ch $(CH))
	$(if $(MUTANTS),$(BIN)/course mutants $(if $(CH),--ch $(CH)))

mutants: venv
	$(BIN)/course mutants $(if $(CH),--ch $(CH))

autograder: venv
	$(BIN)/course autograder $(if $(CH),--ch $(CH)) $(if $(OUT),--out "$(OUT)")

classroom: venv
	@test -n "$(CH)" || { echo "usage: make classroom CH=NN [OUT=file]"; exit 2; }
	$(BIN)/course classroom --ch $(CH) $(if $(OUT),--out "$(OUT)")

bench-grading: venv
	$(BIN)/python testing/bench/bench_grading.py

new-exercise: venv
	@test -n "$(CH)" -a -n "$(NAME)" || { echo "usage: make new-exercise CH=NN NAME=slug"; exit 2; }
	$(BIN)/course new-exercise --ch $(CH) --name $(NAME)

new-service: venv
	@test -d templates/flask-service || { echo "the service template is not built yet"; exit 1; }
	$(BIN)/cookiecutter templates/flask-service --output-dir "$(or $(OUT),.)" $(ARGS)

load: venv
	@test -f testing/load/locustfile.py || { echo "the locust scenario is not written yet"; exit 1; }
	$(BIN)/locust -f testing/load/locustfile.py --headless --host "$(or $(HOST),http://127.0.0.1:$(PORT))" \
		--users $(or $(USERS),10) --spawn-rate $(or $(RATE),5) --run-time $(or $(TIME),60s) --only-summary

bench-litho: venv
	@test -f $(PLATFORM)/benchmarks/bench_litho.py || { echo "the engine benchmark is not written yet"; exit 1; }
	$(BIN)/python $(PLATFORM)/benchmarks/bench_litho.py

# The production shape on one machine: gunicorn (2 workers), a Celery worker and beat on the
# local PostgreSQL and Redis (DATABASE_URL, REDIS_URL, CELERY_BROKER_URL override); Ctrl-C stops all.
run-stack: venv
	@PORT=$(PORT) $(BIN)/python $(PLATFORM)/scripts/run_stack.py

bench-api: venv
	$(BIN)/python $(PLATFORM)/scripts/bench_api.py

# Re-pin the environment after editing requirements.in (needs network access to the package index).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q -r requirements.in
	{ echo "# The whole repository's environment, pinned. Edit requirements.in, then: make lock"; \
	  .lock-venv/bin/pip freeze --exclude-editable; } > requirements.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .course grades .pytest_cache
