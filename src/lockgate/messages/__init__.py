"""Typed contracts of every state-machine task: one pydantic input and one output model per task.

Handlers parse their event into the input model (Powertools Parser) and return the output model
dumped as JSON; the pipeline functions take and return the same models. `catalog.FUNCTIONS` maps
each function's logical id in template.yaml to its models, so tests can check every ASL file and
every `events/` file against them: a renamed field fails a test, not a run.
"""
