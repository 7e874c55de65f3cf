# Two commands do all the set-up on a fresh machine:
#   make book   create .venv if needed, install requirements.txt, build the book into _build/html
#   make test   the same set-up, a strict book build from scratch, then the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pytest-xdist: WORKERS processes, each running whole test files (their module fixtures are built once);
# WORKERS=0 runs the suite in this one process
WORKERS ?= 2
PARALLEL := -n $(WORKERS) --dist loadfile

.PHONY: book book-strict test check lint system-packages exercises reference gpu-check clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build .

# Warnings are errors; a clean _build/html and .doctrees because an up-to-date build hides broken
# references (the executed-notebook cache in _build/.jupyter_cache is kept).
book-strict: $(STAMP)
	rm -rf _build/html _build/.doctrees
	$(BIN)/jupyter-book build . -W -n --keep-going

test: $(STAMP) system-packages lint book-strict
	$(BIN)/python -m pytest $(PARALLEL)

# The fast part of the suite (about a minute): no sandbox, nbgrader, browser or slow tests (markers in
# tests/conftest.py), and no book build.
check: $(STAMP) lint
	$(BIN)/python -m pytest -q $(PARALLEL) -m "not sandbox and not nbgrader and not browser and not slow"

# ruff, configured in pyproject.toml (line length 120; pycodestyle, pyflakes, import order)
lint: $(STAMP)
	$(BIN)/ruff check .

# Debian packages the tests need: chromium (browser tests), bubblewrap (the grading sandbox) and
# postgresql (the pipeline's tests on a PostgreSQL gradebook; the tests start their own server).
system-packages:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v bwrap >/dev/null 2>&1 || missing="$$missing bubblewrap"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	[ -z "$$missing" ] || bash scripts/apt-install.sh $$missing

# Regenerate the student notebooks in exercises/ from the instructor sources in solutions/.
exercises: $(STAMP)
	$(BIN)/python -m autograder.release

# Train the reference models (linear and small CNN x SGD/momentum/Adam over a learning-rate sweep, a
# schedule comparison), draw their figures and rewrite references/. The committed results:
#   make reference REFERENCE_ARGS="--source imagenette --root ../shared/imagenette-160 --size 32"
# On ImageNet with a GPU:
#   make reference REFERENCE_ARGS="--source ilsvrc --root /data/imagenet --size 64"
reference: $(STAMP)
	$(BIN)/python -m autograder.training.reference $(REFERENCE_ARGS)

# The GPU run: prepare 64 and 128 px, every reference run at 64 px, a ResNet at 128 px; prints the
# figures against their targets and writes them to gpu-check/ (GPU_CHECK_ARGS="--tiny" on a CPU).
gpu-check: $(STAMP)
	$(BIN)/python -m autograder.training.gpu_check $(GPU_CHECK_ARGS)

clean:
	rm -rf _build
