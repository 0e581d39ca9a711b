"""The composition layer: one module per Lambda function, holding its settings model (the
environment the template gives it, typed and checked once) and the `build_*()` that wires the real
adapters into the domain. It sits above everything else, and only the handlers import it:

    functions/*/app.py  ->  composition  ->  adapters  ->  domain  ->  messages

(each arrow: "may import"; the domain is data, bias, pipeline, deployment, registry, remediation,
monitoring, evaluation and serving; no import runs back up: tests/unit/test_layering.py).
"""
