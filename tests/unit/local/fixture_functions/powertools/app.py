"""Fixture handler using Powertools as the project's handlers do (Logger with the Lambda context)."""

from aws_lambda_powertools import Logger

logger = Logger(service="fixture")


@logger.inject_lambda_context
def handler(event, context):
    logger.info("structured", extra={"key": event.get("key")})
    return {"ok": True}
