"""The data gate: contract, streaming validation, mergeable statistics, versioning and splits.

Pure Python (pyarrow, numpy, pydantic): no AWS calls. Modules: `contract` (load_contract),
`validation` (check_size, validate, finalize_parts), `report`, `stats`, `splitting`, `versioning`.
"""
