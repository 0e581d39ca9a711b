# Two entry points for people (README): `make demo` and `make test`. Both build the venv on first use.
PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# sam build needs python3.13 on PATH; the venv provides it.
SAM_ENV := PATH="$(CURDIR)/$(BIN):$$PATH" SAM_CLI_TELEMETRY=0

.PHONY: demo test lint unit notebook sam-check sam-local bench checkov clean browser

# Every phase of `make test`/`make sam-local` prints its seconds and the load average when it ends,
# and appends that line to .make-times (.ci/run prints the file last: where CI time goes).
TIMES := .make-times
BEGIN = @mkdir -p $(TIMES) && date +%s > $(TIMES)/$(subst /,_,$@)
END = @line="$$(printf '%-28s %5d s   load %s' "$@" $$(( $$(date +%s) - $$(cat $(TIMES)/$(subst /,_,$@)) )) \
	"$$(cut -d' ' -f1-3 /proc/loadavg)")"; echo "make: $$line"; echo "$$line" >> $(TIMES)/summary

# Installs go through uv, from PyPI into .venv: a cold .venv took 3 min 13 s with it against 27 min
# with pip on the same loaded machine (pip's cache stays empty here; uv keeps its wheels). The venvs
# keep pip: `sam build` falls back to it for the layer where uv is not on PATH.
UV_VERSION := 0.13.9
UV := $(BIN)/uv
UV_INSTALL = $(UV) pip install --quiet --python

$(STAMP): pyproject.toml
	$(BEGIN)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==$(UV_VERSION)
	$(UV_INSTALL) $(BIN)/python -e ".[dev]" uv==$(UV_VERSION)
	# smclarify (bias oracle, tests only) without its unpinned s3fs: see pyproject.toml.
	$(UV_INSTALL) $(BIN)/python --no-deps smclarify==0.5
	touch $(STAMP)
	$(END)

# The notebook surface: the Step Functions Data Science SDK needs sagemaker 2.x, whose pins
# (packaging<25, importlib-metadata<7) clash with the dev tools: its own venv.
NB_VENV := .venv-notebook
NB_STAMP := $(NB_VENV)/.installed-stamp

$(NB_STAMP): pyproject.toml | $(STAMP)
	$(BEGIN)
	$(PYTHON) -m venv $(NB_VENV)
	$(UV_INSTALL) $(NB_VENV)/bin/python -e ".[local,notebook]"
	touch $(NB_STAMP)
	$(END)

demo: $(STAMP)
	$(BIN)/lockgate demo

# Two phases at a time (2 cores): unit (pytest, the long one) beside lint, the notebook venv and its
# tests, then sam validate/build, which share no files with it; --output-sync keeps each phase's
# output in one block.
test:
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint unit notebook sam-check

lint: $(STAMP)
	$(BEGIN)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml -a cfn_lint_serverless.rules
	$(BIN)/mypy
	for handler in functions/*/app.py; do $(BIN)/mypy --strict --follow-imports=silent "$$handler" || exit 1; done
	$(END)

# Test files in a random order (the seed is in pytest's header: --file-order-seed N repeats it), spread
# over PYTEST_WORKERS processes a file at a time; every integration file has its own local cloud.
# Three on two cores: the integration files mostly wait on their clouds (a worker used ~20 % of a core).
PYTEST_WORKERS ?= 3
unit: $(STAMP) browser
	$(BEGIN)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile --file-order random
	$(END)

# The review console's browser test (tests/integration/test_console_browser.py) drives Debian's
# Chromium with Playwright (its own browser download cannot work offline). Installed once, as root
# (as `make sam-local` installs docker.io); a no-op when /usr/bin/chromium is already there.
browser:
	@test -x /usr/bin/chromium && test -x /usr/bin/chromedriver || { \
		apt-get -o DPkg::Lock::Timeout=300 update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q chromium chromium-driver; }

# The SDK attached to the offline cloud, and notebooks/lockgate_runs.ipynb executed headless.
notebook: $(NB_STAMP)
	$(BEGIN)
	SAGEMAKER_SUPPRESS_V2_WARNING=1 $(NB_VENV)/bin/pytest -q -p no:cacheprovider tests/notebook
	$(END)

sam-check: $(STAMP)
	$(BEGIN)
	$(SAM_ENV) $(BIN)/sam validate --lint
	$(SAM_ENV) $(BIN)/sam build --parallel
	$(END)

# Every events/ file through `sam local invoke` in a Lambda-shaped container (built offline, cached),
# against `lockgate up`, compared with `lockgate invoke`. Installs docker.io and starts dockerd if
# needed (root). tools/sam_local/sam-local.sh says what it does.
sam-local: $(STAMP)
	$(BEGIN)
	tools/sam_local/sam-local.sh
	$(END)

bench: $(STAMP)
	$(BIN)/python bench/local_cloud.py
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/bias.py
	$(BIN)/python bench/drift.py
	$(BIN)/python bench/console.py
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/invoke.py

# checkov over the SAM template and its CloudFormation translation (.checkov.yaml lists the skips
# and why). Its own venv: checkov pins many packages of its own.
checkov: $(STAMP)
	test -x .venv-checkov/bin/checkov || ($(PYTHON) -m venv .venv-checkov && .venv-checkov/bin/pip install -q checkov)
	$(BIN)/lockgate translate > .aws-sam-translated.json
	.venv-checkov/bin/checkov --config-file .checkov.yaml -f template.yaml
	.venv-checkov/bin/checkov --config-file .checkov.yaml -f .aws-sam-translated.json

clean:
	rm -rf $(VENV) $(NB_VENV) .venv-checkov .aws-sam .aws-sam-translated.json .sam-local $(TIMES)
