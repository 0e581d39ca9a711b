"""A probe function for the ASL semantics tests: fails with a custom error name on request."""

from pathlib import Path


class CustomFailure(Exception):
    """The error name a state machine's Retry and Catch match."""


def handler(event, context):
    attempts = Path(event["counter"])
    count = int(attempts.read_text()) + 1 if attempts.exists() else 1
    attempts.write_text(str(count))
    if count <= event.get("fail_times", 0):
        raise CustomFailure(f"attempt {count} fails on purpose")
    return {"attempts": count, "echo": event.get("echo")}
