# Two entry points for people (README): `make demo` and `make test`. Both build the venv on first use.
PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# sam build needs python3.13 on PATH; the venv provides it.
SAM_ENV := PATH="$(CURDIR)/$(BIN):$$PATH" SAM_CLI_TELEMETRY=0

.PHONY: demo test lint unit notebook sam-check bench checkov clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	# smclarify (bias oracle, tests only) without its unpinned s3fs: see pyproject.toml.
	$(BIN)/python -m pip install -q --no-deps smclarify==0.5
	touch $(STAMP)

# The notebook surface: the Step Functions Data Science SDK needs sagemaker 2.x, whose pins
# (packaging<25, importlib-metadata<7) clash with the dev tools: its own venv.
NB_VENV := .venv-notebook
NB_STAMP := $(NB_VENV)/.installed-stamp

$(NB_STAMP): pyproject.toml
	$(PYTHON) -m venv $(NB_VENV)
	$(NB_VENV)/bin/python -m pip install -q --upgrade pip
	$(NB_VENV)/bin/python -m pip install -q -e ".[local,notebook]"
	touch $(NB_STAMP)

demo: $(STAMP)
	$(BIN)/lockgate demo

test: lint unit notebook sam-check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml -a cfn_lint_serverless.rules
	$(BIN)/mypy
	for handler in functions/*/app.py; do $(BIN)/mypy --strict --follow-imports=silent "$$handler" || exit 1; done

unit: $(STAMP)
	$(BIN)/pytest -q

# The SDK attached to the offline cloud, and notebooks/lockgate_runs.ipynb executed headless.
notebook: $(NB_STAMP)
	SAGEMAKER_SUPPRESS_V2_WARNING=1 $(NB_VENV)/bin/pytest -q -p no:cacheprovider tests/notebook

sam-check: $(STAMP)
	$(SAM_ENV) $(BIN)/sam validate --lint
	$(SAM_ENV) $(BIN)/sam build --parallel

bench: $(STAMP)
	$(BIN)/python bench/local_cloud.py
	$(BIN)/python bench/validate.py
	$(BIN)/python bench/bias.py
	$(BIN)/python bench/drift.py

# checkov over the SAM template and its CloudFormation translation (.checkov.yaml lists the skips
# and why). Its own venv: checkov pins many packages of its own.
checkov: $(STAMP)
	test -x .venv-checkov/bin/checkov || ($(PYTHON) -m venv .venv-checkov && .venv-checkov/bin/pip install -q checkov)
	$(BIN)/lockgate translate > .aws-sam-translated.json
	.venv-checkov/bin/checkov --config-file .checkov.yaml -f template.yaml
	.venv-checkov/bin/checkov --config-file .checkov.yaml -f .aws-sam-translated.json

clean:
	rm -rf $(VENV) $(NB_VENV) .venv-checkov .aws-sam .aws-sam-translated.json
