"""Amazon CloudWatch: the alarms of Lockgate's endpoints.

`ensure` makes the canary guardrail's alarms of a production endpoint (`<endpoint>-5xx`,
`-latency`, watched by SageMaker during a blue/green update); `put`, `of_endpoint`, `delete` keep
each endpoint's reaction alarms (lockgate.deployment.endpoint_alarms) and `reset` sets one back to
OK (the idle reaction on an endpoint younger than its idle window).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from lockgate.adapters.errors import guarded
from lockgate.deployment.endpoint_alarms import AlarmSpec, is_reaction_alarm
from lockgate.names import environment_prefix

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.literals import ComparisonOperatorType, StatisticType

_DELETE_BATCH = 100  # delete_alarms takes at most 100 names


class EndpointAlarms:
    """put_metric_alarm on AWS/SageMaker and Lockgate/Monitoring metrics (idempotent by name)."""

    def __init__(self, client: Any | None = None) -> None:
        self._client = guarded(client or boto3.client("cloudwatch"))

    def ensure(
        self, endpoint: str, five_xx_name: str, latency_name: str, latency_ms: float, topic_arn: str
    ) -> list[str]:
        """Create or refresh both guardrail alarms (missing data is not breaching); their names."""
        dimensions = [
            {"Name": "EndpointName", "Value": endpoint},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ]
        common: dict[str, Any] = {  # PutMetricAlarm's shared parameters (a boto3 request)
            "Namespace": "AWS/SageMaker",
            "Dimensions": dimensions,
            "Period": 60,
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
            "TreatMissingData": "notBreaching",
            "AlarmActions": [topic_arn] if topic_arn else [],
            "Tags": [
                {"Key": "lockgate:managed", "Value": "true"},
                {"Key": "lockgate:endpoint", "Value": endpoint},
            ],
        }
        self._client.put_metric_alarm(
            AlarmName=five_xx_name,
            AlarmDescription=f"{endpoint}: the model answers with 5XX errors (deploy rollback alarm)",
            MetricName="Invocation5XXErrors",
            Statistic="Sum",
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            **common,
        )
        self._client.put_metric_alarm(
            AlarmName=latency_name,
            AlarmDescription=f"{endpoint}: model latency above {latency_ms} ms (deploy rollback alarm)",
            MetricName="ModelLatency",
            Statistic="Average",
            Threshold=latency_ms * 1000,  # ModelLatency is in microseconds
            ComparisonOperator="GreaterThanThreshold",
            **common,
        )
        return [five_xx_name, latency_name]

    def put(self, specs: list[AlarmSpec], topic_arn: str = "") -> None:
        """Create or refresh each alarm. An update keeps the alarm's state (no new transition)."""
        for spec in specs:
            statistic: StatisticType = spec.statistic  # type: ignore[assignment]
            comparison: ComparisonOperatorType = spec.comparison  # type: ignore[assignment]
            self._client.put_metric_alarm(
                AlarmName=spec.name,
                AlarmDescription=spec.description[:1024],
                Namespace=spec.namespace,
                MetricName=spec.metric,
                Dimensions=[{"Name": k, "Value": v} for k, v in spec.dimensions.items()],
                Statistic=statistic,
                Period=spec.period,
                EvaluationPeriods=spec.evaluation_periods,
                DatapointsToAlarm=spec.datapoints,
                Threshold=spec.threshold,
                ComparisonOperator=comparison,
                TreatMissingData=spec.treat_missing,
                AlarmActions=[topic_arn] if topic_arn and spec.reaction == "notify" else [],
                Tags=[{"Key": k, "Value": v} for k, v in spec.tags.items()],
            )
        # put_metric_alarm ignores Tags when it updates an alarm: tag the existing ones explicitly
        tags = {s.name: s.tags for s in specs}
        for start in range(0, len(specs), _DELETE_BATCH):
            names = [s.name for s in specs[start : start + _DELETE_BATCH]]
            for alarm in self._client.describe_alarms(AlarmNames=names).get("MetricAlarms", []):
                wanted = tags.get(alarm.get("AlarmName", ""), {})
                if wanted and alarm.get("AlarmArn"):
                    self._client.tag_resource(
                        ResourceARN=alarm["AlarmArn"],
                        Tags=[{"Key": k, "Value": v} for k, v in wanted.items()],
                    )

    def of_endpoint(self, environment: str, endpoint: str) -> list[str]:
        """This environment's reaction alarms whose metric names the endpoint (EndpointName)."""
        found = []
        pages = self._client.get_paginator("describe_alarms").paginate(
            AlarmNamePrefix=environment_prefix(environment), AlarmTypes=["MetricAlarm"]
        )
        for page in pages:
            for alarm in page.get("MetricAlarms", []):
                name = alarm.get("AlarmName", "")
                watched = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
                if watched.get("EndpointName") == endpoint and is_reaction_alarm(environment, name):
                    found.append(name)
        return found

    def delete(self, names: list[str]) -> None:
        """delete_alarms in batches of 100."""
        for start in range(0, len(names), _DELETE_BATCH):
            self._client.delete_alarms(AlarmNames=names[start : start + _DELETE_BATCH])

    def reset(self, name: str, reason: str) -> None:
        """set_alarm_state OK: the alarm evaluates again and, still breaching, transitions anew."""
        try:
            self._client.set_alarm_state(AlarmName=name, StateValue="OK", StateReason=reason[:1023])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFound":
                raise
