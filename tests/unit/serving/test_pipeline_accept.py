"""Accept in an inference pipeline: every container of a package pins the answer it gives when the
request reaching it names no Accept (SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT), and the endpoint twin
acts on it as the serving toolkits do."""

from __future__ import annotations

import json
from pathlib import Path

from lockgate.data.contract import load_contract
from lockgate.local.sagemaker import pipeline
from lockgate.serving import artifact
from lockgate.serving import encoder as encoder_module
from lockgate.serving.encoder import Encoder, Stage

CONTRACT = load_contract(Path(__file__).parents[3] / "contracts" / "credit.yaml")
SPEC = artifact.spec(CONTRACT, dataset="credit", version="v1")


def test_every_container_of_a_package_defaults_to_csv() -> None:
    containers = artifact.package_containers(
        "s3://a/encoder.tar.gz", "sklearn", "xgboost", "s3://a/model.tar.gz"
    )
    assert [c["Environment"][artifact.DEFAULT_ACCEPT_ENV] for c in containers] == ["text/csv"] * 3
    assert [c["Environment"].get(artifact.STAGE_ENV) for c in containers] == ["encode", None, "decode"]
    assert artifact.DEFAULT_ACCEPT_ENV == pipeline.DEFAULT_ACCEPT_ENV


def _decode(default: str) -> pipeline.ScriptContainer:
    return pipeline.ScriptContainer(encoder_module, Stage(Encoder(SPEC), "decode"), default_accept=default)


def test_the_twin_uses_a_containers_default_only_without_an_accept() -> None:
    scores = b"0.75\n0.25\n"
    as_json = _decode("application/json")
    for missing in ("", "*/*"):
        body, kind = as_json(scores, "text/csv", missing)
        assert (json.loads(body), kind) == (
            {"predictions": [{"score": 0.75}, {"score": 0.25}]},
            "application/json",
        )
    assert as_json(scores, "text/csv", "text/csv;labels=true") == (b"0.75,good\n0.25,bad\n", "text/csv")
    assert _decode("text/csv")(scores, "text/csv", "*/*") == (b"0.75\n0.25\n", "text/csv")
