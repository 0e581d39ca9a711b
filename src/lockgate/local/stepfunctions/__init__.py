"""Step Functions on moto's interpreter: waiting on executions (`executions`) and task tokens with
their timeouts, heartbeats and failure causes (`task_tokens`), and a UUID for a nameless
execution (`execution_names`)."""
