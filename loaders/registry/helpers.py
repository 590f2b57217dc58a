"""Pure functions turning validated config into registry rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from loaders.config import AuroraConfig


def chain_rows(config: AuroraConfig) -> Iterator[dict[str, Any]]:
    for chain in config.chains.values():
        row = chain.model_dump()
        row["chain"] = row.pop("key")
        row["display_name"] = row.pop("name")
        row["start"] = None if row.get("start") is None else str(row["start"])
        # How network-wide attestation rewards land is the loader's business, not the registry's.
        row.pop("network_wide_grain", None)
        row.pop("epoch_grain_validators", None)
        yield row


def provider_rows(config: AuroraConfig) -> Iterator[dict[str, Any]]:
    # The key's name is recorded, never its value.
    for provider in config.providers.values():
        row = provider.model_dump()
        row["provider"] = row.pop("key")
        row["provider_type"] = row.pop("type")
        yield row


def mapping_rows(config: AuroraConfig) -> Iterator[dict[str, Any]]:
    for mapping in config.mappings:
        yield mapping.model_dump()


def operator_rows(config: AuroraConfig) -> Iterator[dict[str, Any]]:
    for operator in config.operators:
        yield {"operator": operator.key, "display_name": operator.name}


def operator_validator_rows(config: AuroraConfig) -> Iterator[dict[str, Any]]:
    for operator in config.operators:
        for chain, validators in operator.validators.items():
            for validator in validators:
                yield {"operator": operator.key, "chain": chain, "validator": str(validator)}


def operator_fee_recipient_rows(config: AuroraConfig) -> Iterator[dict[str, Any]]:
    for operator in config.operators:
        for chain, addresses in operator.fee_recipients.items():
            for address in addresses:
                yield {"operator": operator.key, "chain": chain, "address": str(address).lower()}
