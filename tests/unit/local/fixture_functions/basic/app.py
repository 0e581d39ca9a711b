"""Fixture handlers: echo with a warm counter, environment and context probes, a no-op."""

import logging
import os
import sys
import time

import fixture_layer_mod

COUNT = 0
ENV_KEYS = (
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_EXECUTION_ENV",
    "LAMBDA_TASK_ROOT",
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "TABLE_NAME",
    "POWERTOOLS_SERVICE_NAME",
)


def handler(event, context):
    global COUNT  # noqa: PLW0603 - module state is what warm reuse keeps
    COUNT += 1
    print(f"basic got {event!r}")
    return {"event": event, "count": COUNT, "pid": os.getpid()}


def noop(event, context):
    return None


def env(event, context):
    return {
        "env": {key: os.environ.get(key) for key in ENV_KEYS},
        "cwd": os.getcwd(),
        "sys_path": sys.path[:3],
        "layer": fixture_layer_mod.NAME,
    }


def context_probe(event, context):
    cc = context.client_context
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "client_custom": cc.custom if cc else None,
        "identity_id": context.identity.cognito_identity_id,
    }


def sleepy(event, context):
    time.sleep(event.get("seconds", 0.05))
    return {"pid": os.getpid()}


def chatty(event, context):
    print("to stdout")
    print("to stderr", file=sys.stderr)
    logging.getLogger("fixture").warning("a warning from logging")
    logging.getLogger("fixture").info("an info record, below the root level")
    return "ok"
