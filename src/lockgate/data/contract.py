"""The dataset contract: one YAML or JSON file per dataset, validated by pydantic.

`load_contract` turns any problem with the contract itself into `ContractInvalid` naming the field
(`columns[3].min`), so a broken contract is never mistaken for a broken dataset.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from lockgate.bias.policy import GatePolicy
from lockgate.data.contract_schema import SCHEMA_FIELD, locate, migrate
from lockgate.errors import ContractInvalid
from lockgate.messages.base import JsonObject

ColumnType = Literal["string", "integer", "float", "boolean"]
Scalar = str | int | float | bool


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


FileType = Literal["csv", "parquet"]


class Format(_Strict):
    """How files are encoded. Each file's format is decided from its name and its first bytes
    (Parquet's magic `PAR1`, gzip's `1f 8b`); `accept` lists the formats this dataset takes.
    Compression `gzip` is also recognised from a `.gz` name or the bytes. The CSV options
    (delimiter, encoding, null values) apply to CSV files only."""

    accept: Annotated[list[FileType], Field(min_length=1)] = Field(
        default_factory=lambda: list[FileType](["csv", "parquet"]),
        description="File formats this dataset accepts (default both); others fail rule `format`.",
    )
    delimiter: Annotated[str, Field(min_length=1, max_length=1)] = ","
    encoding: str = "utf-8"
    compression: Literal["none", "gzip"] = "none"
    null_values: list[str] = Field(default_factory=lambda: [""], description="CSV cells read as null.")

    @model_validator(mode="after")
    def _known_encoding(self) -> Format:
        import codecs

        if len(set(self.accept)) != len(self.accept):
            raise ValueError("accept lists a format twice")

        try:
            codecs.lookup(self.encoding)
        except LookupError as exc:
            raise ValueError(f"unknown encoding {self.encoding!r}") from exc
        return self


class Column(_Strict):
    """One column and its rules. `min`/`max` are inclusive; `allowed` lists every valid value."""

    name: Annotated[str, Field(min_length=1)]
    type: ColumnType
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    allowed: list[Scalar] | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Column:
        if (self.min is not None or self.max is not None) and self.type not in ("integer", "float"):
            raise ValueError(f"min/max only apply to integer or float columns, not {self.type}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        for bound in (self.min, self.max):
            if bound is not None and not math.isfinite(bound):
                raise ValueError("min/max must be finite")
        if self.regex is not None:
            if self.type != "string":
                raise ValueError("regex only applies to string columns")
            import pyarrow as pa  # here: a handler that loads a contract reads no data itself
            import pyarrow.compute as pc

            try:
                re.compile(self.regex)
                # checked by Arrow's RE2 engine, which runs it: no lookarounds, no backreferences
                pc.match_substring_regex(pa.array([""]), f"^(?:{self.regex})$")
            except (re.error, pa.ArrowInvalid) as exc:
                raise ValueError(f"invalid regex (RE2 syntax): {exc}") from exc
        if self.allowed is not None:
            if not self.allowed:
                raise ValueError("allowed must not be empty")
            for value in self.allowed:
                if not _fits(value, self.type):
                    raise ValueError(f"allowed value {value!r} is not of type {self.type}")
            if len({json.dumps(v) for v in self.allowed}) != len(self.allowed):
                raise ValueError("allowed values must be distinct")
        return self


def _fits(value: Scalar, column_type: ColumnType) -> bool:
    match column_type:
        case "string":
            return isinstance(value, str)
        case "boolean":
            return isinstance(value, bool)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        case "float":
            return isinstance(value, int | float) and not isinstance(value, bool)


class RowBounds(_Strict):
    """Inclusive bounds on the number of data rows (of the whole dataset, all parts together)."""

    min: Annotated[int, Field(ge=0)] = 1
    max: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> RowBounds:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max {self.max} is less than min {self.min}")
        return self


class Label(_Strict):
    """The target column; positive class given by values (categorical) or a threshold (numeric)."""

    column: str
    positive_values: list[Scalar] | None = None
    positive_threshold: float | None = Field(default=None, description="Positive when value > threshold.")

    @model_validator(mode="after")
    def _one_rule(self) -> Label:
        if (self.positive_values is None) == (self.positive_threshold is None):
            raise ValueError("give exactly one of positive_values or positive_threshold")
        if self.positive_values is not None and not self.positive_values:
            raise ValueError("positive_values must not be empty")
        return self


class Facet(_Strict):
    """A sensitive attribute. `values`: the sensitive group (omitted: one-vs-rest for each value);
    `threshold`: numeric facet whose sensitive group is (threshold, max]."""

    column: str
    values: list[Scalar] | None = None
    threshold: float | None = None

    @model_validator(mode="after")
    def _one_rule(self) -> Facet:
        if self.values is not None and self.threshold is not None:
            raise ValueError("give at most one of values or threshold")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        return self


class Bias(GatePolicy):
    """What the bias gate checks (facets, group variable) and how it judges them: the gate policy
    itself (lockgate.bias.policy.GatePolicy: thresholds, facet_thresholds, optional, margin,
    confidence, min_group_rows), so the contract and the gate share one threshold model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    facets: Annotated[list[Facet], Field(min_length=1)]
    group_variable: str | None = None

    @model_validator(mode="after")
    def _facet_thresholds_name_facets(self) -> Bias:
        columns = {f.column for f in self.facets}
        for facet in self.facet_thresholds:
            if facet not in columns:
                raise ValueError(f"facet_thresholds: {facet!r} is not one of the bias facets")
        return self


class Split(_Strict):
    """Train/validation/test ratios (sum to 1) and the seed of the per-row assignment."""

    train: Annotated[float, Field(ge=0, le=1)] = 0.8
    validation: Annotated[float, Field(ge=0, le=1)] = 0.1
    test: Annotated[float, Field(ge=0, le=1)] = 0.1
    seed: int = 0

    @model_validator(mode="after")
    def _sums_to_one(self) -> Split:
        total = self.train + self.validation + self.test
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"train + validation + test must be 1, got {total}")
        return self


HyperparameterValue = str | int | float | bool


class ParameterRange(_Strict):
    """One tuned hyperparameter: integer or continuous [min, max], or categorical values."""

    type: Literal["integer", "continuous", "categorical"]
    min: float | None = None
    max: float | None = None
    values: list[str] | None = None
    scaling: Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"] = "Auto"

    @model_validator(mode="after")
    def _shape(self) -> ParameterRange:
        if self.type == "categorical":
            if not self.values:
                raise ValueError("a categorical range needs values")
        elif self.min is None or self.max is None or self.min > self.max:
            raise ValueError("an integer or continuous range needs min <= max")
        return self


class TuningObjective(_Strict):
    """The metric the tuning job optimises, as the algorithm emits it (e.g. validation:auc)."""

    metric: Annotated[str, Field(pattern=r"^(train|validation):[a-z0-9-]+$")] = "validation:auc"
    type: Literal["Maximize", "Minimize"] = "Maximize"


class Tuning(_Strict):
    """A hyperparameter tuning job instead of one training job; the best job's model is used.
    The offline twin runs a random search whatever the strategy (docs/sagemaker-twin.md)."""

    strategy: Literal["Random", "Bayesian", "Hyperband", "Grid"] = "Random"
    objective: TuningObjective = Field(default_factory=TuningObjective)
    max_jobs: Annotated[int, Field(ge=1, le=500)] = 4
    max_parallel_jobs: Annotated[int, Field(ge=1, le=100)] = 2
    ranges: Annotated[dict[str, ParameterRange], Field(min_length=1)]


def _default_hyperparameters() -> dict[str, HyperparameterValue]:
    return {"objective": "binary:logistic", "num_round": 100, "eval_metric": "auc"}


class Training(_Strict):
    """How SageMaker's built-in XGBoost trains on the version's xgboost/ splits."""

    hyperparameters: dict[str, HyperparameterValue] = Field(default_factory=_default_hyperparameters)
    instance_type: Annotated[str, Field(pattern=r"^ml\.[a-z0-9]+\.[a-z0-9]+$")] = "ml.m5.large"
    instance_count: Annotated[int, Field(ge=1)] = 1
    volume_size_gb: Annotated[int, Field(ge=1)] = 10
    max_runtime_seconds: Annotated[int, Field(ge=1, le=432000)] = 3600
    transform_instance_type: Annotated[str, Field(pattern=r"^ml\.[a-z0-9]+\.[a-z0-9]+$")] = "ml.m5.large"
    tuning: Tuning | None = None


class Evaluation(_Strict):
    """The evaluation gate: scores >= decision_threshold are positive; each metric in `minimums`
    (names of evaluation.json's binary_classification_metrics, e.g. auc, f1) must reach its bar,
    and `regression_metric` may fall at most `max_regression` below the latest Approved package."""

    decision_threshold: Annotated[float, Field(gt=0, lt=1)] = 0.5
    minimums: dict[str, float] = Field(default_factory=dict)
    regression_metric: str = "auc"
    max_regression: Annotated[float, Field(ge=0)] = 0.02
    calibration_bins: Annotated[int, Field(ge=2, le=100)] = 10


class Approval(_Strict):
    """Auto-approval policy: Approved at registration only when `auto_approve` is true, the
    evaluation gate passed, both bias verdicts are "pass", and every `minimums` bar holds;
    otherwise PendingManualApproval. The reasons go into ApprovalDescription."""

    auto_approve: bool = False
    minimums: dict[str, float] = Field(default_factory=dict)


class AbVariants(_Strict):
    """Relative weights of the production A/B variants: the champion (the live model) and the
    challenger (the newly approved one), e.g. 90/10."""

    champion: Annotated[float, Field(ge=0)]
    challenger: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _routable(self) -> AbVariants:
        if self.champion + self.challenger <= 0:
            raise ValueError("both weights are 0: no variant would get traffic; use e.g. 90/10")
        return self


class Deployment(_Strict):
    """How an approved model reaches production. `variants` set: an A/B test (two production
    variants with these weights) instead of the canary whenever a model is already live; the first
    deploy of an endpoint has no champion and deploys the model alone (the run's reason says so).
    Promote the winner with `lockgate promote <endpoint> --variant challenger|champion`."""

    variants: AbVariants | None = None


class Monitoring(_Strict):
    """How the monitor judges live traffic (docs/alarms.md, "Drift that knows its sample size"):
    a pass measures only with at least `min_rows` captured rows since the last measured pass; a
    feature drifted when its KS test rejects at family-wise level `alpha` (Holm) and its PSI lower
    bound is at least `min_psi`."""

    min_rows: Annotated[int, Field(gt=0)] = 500
    alpha: Annotated[float, Field(gt=0, lt=1)] = 0.01
    min_psi: Annotated[float, Field(ge=0)] = 0.1


class Contract(_Strict):
    """A dataset contract. See contracts/credit.yaml for a complete example."""

    schema_version: Literal[2] = Field(  # lockgate.data.contract_schema.CURRENT_SCHEMA_VERSION
        default=2,
        description="The contract schema this file is written for; older ones are migrated on load "
        "(`lockgate contract migrate FILE` rewrites them).",
    )
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    format: Format = Field(default_factory=Format)
    columns: Annotated[list[Column], Field(min_length=1)]
    keys: list[str] = Field(default_factory=list)
    rows: RowBounds = Field(default_factory=RowBounds)
    label: Label
    bias: Bias | None = None
    split: Split = Field(default_factory=Split)
    training: Training = Field(default_factory=Training)
    evaluation: Evaluation = Field(default_factory=Evaluation)
    approval: Approval = Field(default_factory=Approval)
    deployment: Deployment = Field(default_factory=Deployment)
    monitoring: Monitoring = Field(default_factory=Monitoring)
    max_object_bytes: Annotated[int, Field(gt=0)] = 5 * 1024**3
    _deprecations: list[str] = PrivateAttr(default_factory=list)

    @property
    def deprecations(self) -> list[str]:
        """What loading migrated from an older schema, one line each (reports carry them)."""
        return list(self._deprecations)

    @model_validator(mode="after")
    def _references(self) -> Contract:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"duplicate column names {dup}")
        known = set(names)
        refs = [("keys", k) for k in self.keys] + [("label.column", self.label.column)]
        if self.bias is not None:
            refs += [(f"bias.facets[{i}].column", f.column) for i, f in enumerate(self.bias.facets)]
            if self.bias.group_variable is not None:
                refs.append(("bias.group_variable", self.bias.group_variable))
        for where, ref in refs:
            if ref not in known:
                raise ValueError(f"{where}: {ref!r} is not a declared column")
        label_col = self.column(self.label.column)
        if self.label.positive_threshold is not None and label_col.type not in ("integer", "float"):
            raise ValueError("label.positive_threshold needs a numeric label column")
        if self.label.positive_values is not None:
            for value in self.label.positive_values:
                if not _fits(value, label_col.type):
                    raise ValueError(f"label.positive_values: {value!r} is not of type {label_col.type}")
        return self

    def column(self, name: str) -> Column:
        """The declared column called `name` (KeyError if none)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def compression_for(self, file_name: str) -> str:
        """`gzip` when declared, or when the file name ends with `.gz`."""
        return "gzip" if self.format.compression == "gzip" or file_name.endswith(".gz") else "none"

    def sha256(self) -> str:
        """Hash of the canonical JSON of the contract (independent of YAML layout and comments)."""
        # schema_version is left out: a contract and its migrated rewrite are the same contract
        dumped = self.model_dump(mode="json", exclude={SCHEMA_FIELD})
        canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def field_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the contract field it names: `columns[3].min`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-", "union[", "constrained-", "list[", "float", "int")):
            continue  # pydantic's internal validator names, not fields
        else:
            path += f".{part}" if path else part
    return path or "<root>"


def load_contract(path_or_text: str | Path, source_name: str | None = None) -> Contract:
    """Load a contract from a path or from YAML/JSON text. Raises ContractInvalid naming the field."""
    if isinstance(path_or_text, Path) or (
        "\n" not in path_or_text and path_or_text.endswith((".yaml", ".yml", ".json"))
    ):
        path = Path(path_or_text)
        source = source_name or str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ContractInvalid(source, "<file>", f"cannot read: {exc}") from exc
    else:
        text, source = str(path_or_text), source_name or "<contract>"
    try:
        data: Any = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as exc:
        raise ContractInvalid(source, "<syntax>", str(exc).replace("\n", " ")) from exc
    if not isinstance(data, dict):
        raise ContractInvalid(source, "<root>", "must be a mapping")
    data, deprecations = migrate(data, source)
    try:
        contract = Contract.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        line, column = locate(text, err["loc"])
        raise ContractInvalid(
            source, field_path(err["loc"]), f"{err['msg']}{more} (line {line}, column {column})"
        ) from exc
    contract._deprecations = deprecations
    return contract


def contract_json_schema() -> JsonObject:
    """The JSON Schema of a contract (committed as contracts/contract.schema.json): a JSON document."""
    return Contract.model_json_schema()


def contract_json_schema_text() -> str:
    """The committed schema text. Regenerate it with
    `.venv/bin/python -m lockgate.data.contract > contracts/contract.schema.json`."""
    return json.dumps(contract_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(contract_json_schema_text(), end="")
