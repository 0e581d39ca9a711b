"""The batch-predict state machine's seams the generic contract check cannot see (its Lambda
payloads are whole objects): PrepareBatch's result is a whole BatchPlan, FinishBatch reads exactly
that, the SageMaker tasks take the plan's request blocks field by field, and the role may touch
batch-predict's own jobs only."""

from __future__ import annotations

import json
from pathlib import Path

from lockgate.local.deployer.template import load_template
from lockgate.messages.batch import BatchModelRequest, BatchPlan, BatchPredictResult, BatchTransformRequest

REPO = Path(__file__).resolve().parents[3]
STATES = json.loads((REPO / "statemachines" / "batch_predict.asl.json").read_text())["States"]


def _selected(state: str) -> set[str]:
    return {k.removesuffix(".$") for k in STATES[state]["ResultSelector"]}


def test_the_plan_travels_whole_from_prepare_to_finish() -> None:
    assert _selected("PrepareBatch") == set(BatchPlan.model_fields)
    assert STATES["PrepareBatch"]["ResultPath"] == "$.plan"
    assert STATES["FinishBatch"]["Parameters"]["Payload.$"] == "$.plan"
    assert _selected("FinishBatch") == set(BatchPredictResult.model_fields)
    assert STATES["FinishBatch"]["OutputPath"] == "$.result"  # the run's output is the result


def test_the_sagemaker_tasks_take_the_plans_request_blocks() -> None:
    model = {k.removesuffix(".$") for k in STATES["CreateModel"]["Parameters"]} - {"ExecutionRoleArn", "Tags"}
    assert model == set(BatchModelRequest.model_fields)
    transform = {k.removesuffix(".$") for k in STATES["Transform"]["Parameters"]} - {"Tags"}
    assert transform == set(BatchTransformRequest.model_fields)
    assert STATES["AnyRowToScore"]["Default"] == "FinishBatch"  # nothing to score: only the report


def test_the_role_touches_only_batch_predicts_own_jobs_and_models() -> None:
    resources = load_template(REPO / "template.yaml")["Resources"]
    statements = [
        s
        for policy in resources["BatchPredictStateMachine"]["Properties"]["Policies"]
        if "Statement" in policy
        for s in policy["Statement"]
    ]
    sagemaker = next(s for s in statements if s["Sid"] == "BatchTransform")
    assert all(
        str(r["Fn::Sub"]).endswith(("transform-job/lg-batch-*", "model/lg-batch-*"))
        for r in sagemaker["Resource"]
    )
    finish = resources["FinishBatchFunction"]["Properties"]["Policies"][1]["Statement"][0]
    assert finish["Action"] == ["s3:PutObject"]
    assert [r["Fn::Sub"] for r in finish["Resource"]] == [
        "${DataBucket.Arn}/*.scores.csv",
        "${DataBucket.Arn}/*.bad-rows.json",
    ]
