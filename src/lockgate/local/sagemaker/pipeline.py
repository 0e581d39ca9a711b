"""The endpoint twin's containers: a model's `Containers` run in order (an inference pipeline, as
CreateModel's `InferenceExecutionConfig: {Mode: Serial}` runs them), each container's answer and
its content type the next one's request.

Two kinds of container:
- a script container (its Environment names `SAGEMAKER_PROGRAM`): the SageMaker scikit-learn
  framework container's serving contract. The twin loads the script FROM the artifact at
  `SAGEMAKER_SUBMIT_DIRECTORY` (Lockgate's encoder, `lockgate.serving.encoder`, as the model's
  run shipped it), calls its `model_fn` on the extracted `ModelDataUrl`, then `input_fn`,
  `predict_fn`, `output_fn` per request;
- anything else is the built-in XGBoost container: `text/csv` features in, scores out
  (`application/json` `{"predictions": [{"score": p}]}` when Accept asks for JSON, else CSV).

A container whose Environment sets `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT` answers that type when
the request names no Accept (or `*/*`), as the serving toolkits do; the caller's Accept is passed to
every container (docs/raw-records.md: on AWS this is not documented either way, so packages pin
the default of each container).

Errors carry the status the container would answer (`ContainerError`); the twin turns them into
InvokeEndpoint's ModelError.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import tarfile
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from lockgate.local.sagemaker.algorithm import read_table

CSV, JSON = "text/csv", "application/json"
DEFAULT_ACCEPT_ENV = "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT"
Fetch = Callable[[str], bytes]  # an s3:// URL -> the object's bytes


class ContainerError(Exception):
    """A container answered an error: `status` (4XX/5XX) and its message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class ScriptContainer:
    """A loaded script (its module), the model its `model_fn` returned, and where it was extracted."""

    module: Any
    model: Any
    code_dir: str = ""
    default_accept: str = ""

    def sibling(self, file: str) -> Any | None:
        """Another module shipped beside the script, imported; None when the artifact has none."""
        path = os.path.join(self.code_dir, file)
        if not os.path.isfile(path):
            return None
        return _import(path, f"{self.module.__name__}_{file.removesuffix('.py')}")

    def __call__(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        accept = _accept(accept, self.default_accept)
        try:
            data = self.module.input_fn(body, content_type)
            prediction = self.module.predict_fn(data, self.model)
            answer, answer_type = self.module.output_fn(prediction, accept)
        except Exception as error:
            status = int(getattr(error, "status_code", 500))
            raise ContainerError(status, str(getattr(error, "message", error))) from error
        return (answer.encode() if isinstance(answer, str) else bytes(answer)), str(answer_type)


@dataclass
class XGBoostContainer:
    """The built-in algorithm's inference: CSV features -> scores."""

    booster: Any
    default_accept: str = ""

    def __call__(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        accept = _accept(accept, self.default_accept)
        if content_type.split(";", maxsplit=1)[0].strip().lower() != CSV:
            raise ContainerError(415, f"Content type {content_type} is not supported by this algorithm.")
        rows = features(body)
        if rows.shape[1] != self.booster.num_features():
            raise ContainerError(
                400,
                f"Feature size mismatch: the model expects {self.booster.num_features()} features, "
                f"the request has {rows.shape[1]}.",
            )
        scores = np.atleast_1d(self.booster.inplace_predict(rows))
        if accept.split(";", maxsplit=1)[0].strip().lower() == JSON:
            return json.dumps({"predictions": [{"score": float(p)} for p in scores]}).encode(), JSON
        return "\n".join(f"{float(p):.8g}" for p in scores).encode(), CSV


def _accept(given: str, default: str) -> str:
    """The Accept a container acts on: the request's, else its environment's default."""
    return given if given.strip() not in ("", "*/*") else default


def features(body: bytes) -> np.ndarray:
    """A headerless CSV of numbers as float32 rows (an empty field is missing, NaN)."""
    try:
        # np.loadtxt: the fast path for a few rows; an empty field (missing) makes it fail
        return np.loadtxt(io.StringIO(body.decode()), delimiter=",", ndmin=2, dtype=np.float32)
    except ValueError:
        try:
            return read_table(body, CSV)  # the transform's reader: empty fields are NaN
        except Exception as error:
            raise ContainerError(415, f"Could not parse the CSV body: {error}") from error


Container = ScriptContainer | XGBoostContainer


class Containers:
    """Loaded containers, cached by what they were loaded from (artifacts never change in place)."""

    def __init__(self) -> None:
        self._scripts: dict[tuple[str, str, str], ScriptContainer] = {}
        self._lock = threading.Lock()

    def chain(
        self, definitions: list[dict[str, Any]], fetch: Fetch, booster: Callable[[str], Any]
    ) -> list[Container]:
        """The containers of a model, loaded (`booster(url)`: the XGBoost model at that URL)."""
        loaded: list[Container] = []
        for definition in definitions:
            environment = definition.get("Environment") or {}
            default = str(environment.get(DEFAULT_ACCEPT_ENV) or "")
            if environment.get("SAGEMAKER_PROGRAM"):
                script = self._script(definition, environment, fetch)
                loaded.append(replace(script, default_accept=default) if default else script)
            else:
                loaded.append(XGBoostContainer(booster(str(definition["ModelDataUrl"])), default))
        return loaded

    def _script(
        self, definition: dict[str, Any], environment: dict[str, str], fetch: Fetch
    ) -> ScriptContainer:
        program = environment["SAGEMAKER_PROGRAM"]
        source = environment.get("SAGEMAKER_SUBMIT_DIRECTORY") or definition["ModelDataUrl"]
        model_url = str(definition.get("ModelDataUrl") or source)
        stage = environment.get("LOCKGATE_STAGE", "encode")
        key = (source, model_url, f"{program}/{stage}")
        with self._lock:
            if key not in self._scripts:
                model = None if model_url == source else fetch(model_url)
                self._scripts[key] = load_script(fetch(source), model, program, stage)
            return self._scripts[key]


_DIRS: list[tempfile.TemporaryDirectory[str]] = []  # extracted artifacts, for the process's life


def _extract(tarball: bytes) -> str:
    directory = tempfile.TemporaryDirectory(prefix="lockgate-twin-model-")
    _DIRS.append(directory)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as tar:
        tar.extractall(directory.name, filter="data")
    return directory.name


def load_script(code: bytes, model: bytes | None, program: str, stage: str) -> ScriptContainer:
    """A script container from its submit directory's tarball (and its model's, when another):
    the script imported from the extracted files, its model loaded from the model directory."""
    code_dir = _extract(code)
    model_dir = code_dir if model is None else _extract(model)
    module = _import(os.path.join(code_dir, program), f"lockgate_twin_script_{len(_DIRS)}")
    loaded = module.load(model_dir, stage) if hasattr(module, "load") else module.model_fn(model_dir)
    return ScriptContainer(module, loaded, code_dir=code_dir)


def _import(path: str, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ContainerError(500, f"cannot load the script {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(chain: list[Container], body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
    """One request through every container in order."""
    for container in chain:
        body, content_type = container(body, content_type, accept)
    return body, content_type
