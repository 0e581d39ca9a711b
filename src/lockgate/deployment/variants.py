"""A/B production variants: the champion (the live package) and the challenger (the new one).

Pure Python: parsing `90/10`, checking weights as SageMaker would (DesiredWeight >= 0, and some
variant must take traffic), naming the A/B endpoint config, and the weights of a promotion.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from lockgate.errors import VariantsInvalid
from lockgate.messages.deploy import weights_problem

CHAMPION = "champion"
CHALLENGER = "challenger"
# The endpoint tag that names each variant's package (`lockgate:variant:champion` = <arn>).
VARIANT_TAG = "lockgate:variant:"


@dataclass(frozen=True)
class Split:
    """Relative weights of the two variants (SageMaker normalises: 90/10 = 9/1)."""

    champion: float
    challenger: float

    @property
    def challenger_share(self) -> float:
        """The challenger's share of the traffic (0..1)."""
        return self.challenger / (self.champion + self.challenger)

    def label(self) -> str:
        """`90/10`."""
        return f"{self.champion:g}/{self.challenger:g}"


def check_weights(champion: float, challenger: float) -> Split:
    """The split, or VariantsInvalid for weights SageMaker would reject or route nothing with."""
    problem = weights_problem(champion, challenger)
    if problem:
        raise VariantsInvalid(problem)
    return Split(float(champion), float(challenger))


def parse_split(text: str) -> Split:
    """`90/10` (champion/challenger) -> Split; VariantsInvalid naming the expected form."""
    left, slash, right = text.strip().partition("/")
    try:
        if not slash:
            raise ValueError(text)
        champion, challenger = float(left), float(right)
    except ValueError as error:
        raise VariantsInvalid(
            f"--variants {text!r} is not CHAMPION/CHALLENGER weights; use e.g. 90/10"
        ) from error
    return check_weights(champion, challenger)


def config_suffix(champion_arn: str, split: Split) -> str:
    """The A/B endpoint config's name suffix: unique per champion and split (`ab` + 6 hex)."""
    digest = hashlib.sha256(f"{champion_arn}|{split.label()}".encode()).hexdigest()[:6]
    return f"ab{digest}"


def promotion_weights(variants: list[str], winner: str) -> dict[str, float]:
    """All traffic to `winner`, none to the others; VariantsInvalid when that is not a promotion."""
    if winner not in variants:
        known = ", ".join(variants) or "none"
        raise VariantsInvalid(f"the endpoint has no variant {winner!r} (it has: {known})")
    if len(variants) < 2:
        raise VariantsInvalid(
            f"the endpoint has the single variant {winner!r}: there is nothing to promote it over"
        )
    return {name: 1.0 if name == winner else 0.0 for name in variants}


class ContractStore(Protocol):
    """What reading a contract needs (adapters.s3.S3Store)."""

    def exists(self, bucket: str, key: str) -> bool: ...
    def read(self, bucket: str, key: str, version_id: str | None = None) -> bytes: ...


def contract_split(store: ContractStore, bucket: str, dataset: str) -> Split | None:
    """The A/B split the dataset's contract asks for (`deployment.variants`), or None (no contract,
    or no such section). An invalid contract raises ContractInvalid naming the field."""
    from lockgate.data.contract import load_contract  # pyarrow: only when a contract is read
    from lockgate.layout import CONTRACT_SUFFIXES, contract_key, s3_uri

    for suffix in CONTRACT_SUFFIXES:
        key = contract_key(dataset, suffix)
        if store.exists(bucket, key):
            contract = load_contract(store.read(bucket, key).decode("utf-8"), s3_uri(bucket, key))
            asked = contract.deployment.variants
            return check_weights(asked.champion, asked.challenger) if asked else None
    return None
