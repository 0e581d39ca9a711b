"""Amazon CloudWatch: the rollback alarms of a production endpoint (5XX errors, model latency)."""

from __future__ import annotations

from typing import Any

import boto3


class EndpointAlarms:
    """put_metric_alarm on AWS/SageMaker metrics (idempotent: the same name overwrites itself)."""

    def __init__(self, client: Any | None = None) -> None:
        self._client = client or boto3.client("cloudwatch")

    def ensure(
        self, endpoint: str, five_xx_name: str, latency_name: str, latency_ms: float, topic_arn: str
    ) -> list[str]:
        """Create or refresh both alarms (missing data is not breaching); returns their names."""
        dimensions = [
            {"Name": "EndpointName", "Value": endpoint},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ]
        common: dict[str, Any] = {
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
