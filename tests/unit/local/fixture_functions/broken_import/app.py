"""Fixture whose import fails, as a function missing a dependency does."""

import lockgate_fixture_module_that_does_not_exist  # noqa: F401


def handler(event, context):
    return "never"
