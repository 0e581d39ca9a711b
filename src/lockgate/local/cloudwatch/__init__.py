"""The CloudWatch twin of the local cloud: alarms that really evaluate metric data on the local clock.

- `evaluation`: pure alarm evaluation (statistics, Period x EvaluationPeriods, DatapointsToAlarm,
  ComparisonOperator, TreatMissingData) over datapoints; no moto.
- `schedules`: rate()/cron() schedule expressions on the local clock; pure.
- `events`: the AWS shapes of "CloudWatch Alarm State Change", "Scheduled Event" and
  "Step Functions Execution Status Change"; pure.
- `percentiles`: GetMetricStatistics' ExtendedStatistics (p50...), which moto ignores (own
  PATCH_TARGETS).
- `patches`: the moto hooks (PATCH_TARGETS) and the ticking thread that runs the evaluator and the
  schedules; `apply(clock=...)` / `remove()` are called by LocalCloud.start()/stop().
"""
