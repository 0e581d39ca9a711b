"""What IAM enforcement costs offline: (1) per AWS call, the same DynamoDB PutItem and SNS Publish,
signed by a function's role (checked) and by the harness key (not checked); (2) per state-machine
execution, the same five-Task execution (events:putEvents) run by moto's interpreter with its calls
signed by the state machine's role (checked) and with moto's fixed key (not checked). Each pair is
interleaved so that the load of a shared machine falls on both alike. Prints tables; run:
.venv/bin/python bench/iam_overhead.py"""

from __future__ import annotations

import json
import os
import statistics
import time

import boto3
from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer

from lockgate.local.iam import patches as iam_patches
from lockgate.local.iam import state_machines
from lockgate.local.iam.policy import statements
from lockgate.local.stepfunctions.executions import wait_for_execution

ROUNDS = 300
EXECUTIONS = 20
TASKS = 5
ACCOUNT = "123456789012"


def _client(service: str, url: str, key: str, token: str | None = None) -> object:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key="x",
        aws_session_token=token,
    )


def main() -> None:
    default_user_config["stepfunctions"]["execute_state_machine"] = True  # moto's ASL interpreter
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    os.environ["MOTO_PORT"] = str(server.get_host_and_port()[1])  # the interpreter's endpoint
    iam_patches.apply(warn=lambda _: None)
    try:
        harness_ddb, harness_sns = _client("dynamodb", url, "testing"), _client("sns", url, "testing")
        harness_ddb.create_table(  # type: ignore[attr-defined]
            TableName="t",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        topic = harness_sns.create_topic(Name="n")["TopicArn"]  # type: ignore[attr-defined]
        policy = {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["dynamodb:PutItem"],
                    "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t",
                },
                {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic},
            ]
        }
        creds = iam_patches.register("bench", f"arn:aws:iam::{ACCOUNT}:role/bench", statements("p", policy))
        role_ddb = _client("dynamodb", url, creds.access_key_id, creds.session_token)
        role_sns = _client("sns", url, creds.access_key_id, creds.session_token)
        calls = {
            "dynamodb:PutItem": (
                lambda c, i: c.put_item(TableName="t", Item={"id": {"S": str(i)}}),
                harness_ddb,
                role_ddb,
            ),
            "sns:Publish": (
                lambda c, i: c.publish(TopicArn=topic, Message=json.dumps({"i": i})),
                harness_sns,
                role_sns,
            ),
        }
        print(f"load average {os.getloadavg()[0]:.2f}, {ROUNDS} calls each, median ms per call")
        print(f"{'call':<18}{'unchecked':>11}{'checked':>11}{'extra':>9}")
        for name, (call, unchecked, checked) in calls.items():
            times: dict[str, list[float]] = {"u": [], "c": []}
            for i in range(ROUNDS):
                for kind, client in (("u", unchecked), ("c", checked)):
                    began = time.perf_counter()
                    call(client, i)
                    times[kind].append((time.perf_counter() - began) * 1000)
            u, c = statistics.median(times["u"]), statistics.median(times["c"])
            print(f"{name:<18}{u:>11.2f}{c:>11.2f}{c - u:>9.2f}")
        _state_machine_executions(url)
    finally:
        state_machines.remove()
        iam_patches.remove()
        server.stop()


def _state_machine_executions(url: str) -> None:
    """Median wall time of one execution of TASKS events:putEvents Tasks, the interpreter's calls
    signed by the state machine's role (checked) or by moto's fixed key (not checked)."""
    role = f"arn:aws:iam::{ACCOUNT}:role/bench-machine"
    allow = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "events:PutEvents",
                "Resource": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default",
            }
        ]
    }
    creds = iam_patches.register("bench-machine", role, statements("p", allow), kind="state machine role")
    states: dict[str, object] = {}
    for i in range(TASKS):
        states[f"T{i}"] = {
            "Type": "Task",
            "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {"Entries": [{"Source": "bench", "DetailType": "Tick", "Detail": {"i": i}}]},
            **({"Next": f"T{i + 1}"} if i < TASKS - 1 else {"End": True}),
        }
    sfn = _client("stepfunctions", url, "testing")
    machine = sfn.create_state_machine(  # type: ignore[attr-defined]
        name="bench", definition=json.dumps({"StartAt": "T0", "States": states}), roleArn=role
    )["stateMachineArn"]
    times: dict[str, list[float]] = {"u": [], "c": []}
    for i in range(EXECUTIONS):
        for kind in ("u", "c"):
            if kind == "c":
                state_machines.apply(credentials_for=lambda _arn: creds)
            else:
                state_machines.remove()
            began = time.perf_counter()
            sfn.start_execution(stateMachineArn=machine, name=f"{kind}{i}", input="{}")  # type: ignore[attr-defined]
            described = wait_for_execution(sfn, machine, f"{kind}{i}", timeout=120)
            assert described["status"] == "SUCCEEDED", described
            times[kind].append((time.perf_counter() - began) * 1000)
    u, c = statistics.median(times["u"]), statistics.median(times["c"])
    print(f"\nstate machine, {EXECUTIONS} executions each, {TASKS} putEvents Tasks, median ms per execution")
    print(f"{'execution':<18}{'unchecked':>11}{'checked':>11}{'extra':>9}")
    print(f"{'5 x putEvents':<18}{u:>11.2f}{c:>11.2f}{c - u:>9.2f}")


if __name__ == "__main__":
    main()
