"""Where a deployed stack keeps dataset contracts: contracts/<dataset>.yaml|.yml|.json in the
data bucket (the demo uploads contracts/*.yaml from the repository)."""

from __future__ import annotations

from lockgate.data.contract import Contract, load_contract
from lockgate.errors import ContractInvalid
from lockgate.layout import CONTRACT_SUFFIXES, contract_key, s3_uri
from lockgate.pipeline.ports import ObjectStore


def dataset_contract(store: ObjectStore, bucket: str, dataset: str) -> Contract:
    """The dataset's contract; ContractInvalid naming where it looked when there is none."""
    for suffix in CONTRACT_SUFFIXES:
        key = contract_key(dataset, suffix)
        if store.exists(bucket, key):
            return load_contract(store.read(bucket, key).decode("utf-8"), s3_uri(bucket, key))
    raise ContractInvalid(s3_uri(bucket, contract_key(dataset)), "<file>", "no contract for this dataset")
