"""Ethereum loader settings: where rows land, request batching, and every raw column, typed."""

DATASET = "raw_ethereum"
PIPELINE = "aurora_ethereum"

IDS_PER_REQUEST = 5_000  # validator ids per POST (states/validators, attestation rewards)
NETWORK_WIDE_BATCH = 10_000  # index range per request when every validator is tracked
SYNC_ROWS_PER_BATCH = 10_000  # sync-committee rewards per batch handed to dlt (mainnet: ~20 blocks' answers)
EL_CALLS_PER_BATCH = 10
EXECUTION_BLOCKS_PER_CHUNK = 50  # full blocks (and their receipts) fetched, then handed on, at a time
# Electra's queues, read at both states bounding a day (GET /eth/v1/beacon/states/{id}/<queue>)
QUEUES = ("pending_deposits", "pending_consolidations", "pending_partial_withdrawals")

WEI = {"data_type": "decimal", "precision": 38, "scale": 0}


def _cols(**spec: str) -> dict:
    kinds = {
        "text": {"data_type": "text"},
        "int": {"data_type": "bigint"},
        "bool": {"data_type": "bool"},
        "wei": WEI,
        "time": {"data_type": "timestamp"},
    }
    out = {"chain": {"data_type": "text", "nullable": False}}
    for name, kind in spec.items():
        out[name] = {**kinds[kind.rstrip("?")], "nullable": kind.endswith("?")}
    out["response_id"] = {"data_type": "text", "nullable": True}
    return out


COLUMNS = {
    "beacon_snapshots": _cols(run_id="text", observed_at="time", head_slot="int", head_epoch="int", finalized_epoch="int",
                              justified_epoch="int", genesis_time="int", seconds_per_slot="int", slots_per_epoch="int"),
    "day_windows": _cols(day="text", first_epoch="int", last_epoch="int", first_slot="int", last_slot="int",
                         start_state_slot="int", end_state_slot="int", electra_fork_slot="int?"),
    "validator_states": _cols(state_slot="int", validator_index="int", pubkey="text", balance_gwei="int",
                              effective_balance_gwei="int", status="text", slashed="bool", withdrawal_credentials="text",
                              activation_epoch="int?", exit_epoch="int?", withdrawable_epoch="int?"),
    "attestation_rewards": _cols(epoch="int", validator_index="int", head_gwei="int", target_gwei="int", source_gwei="int",
                                 inclusion_delay_gwei="int", inactivity_gwei="int"),
    # Day grain (network-wide, chains.yaml network_wide_grain: day; loaders/ethereum/daygrain.py):
    # per validator and day, the components summed over epochs a..b, the penalties (negative
    # components, per epoch, as a positive amount) over a..b, the net credited over a-2..b-2; and
    # the answers summed, by the index range asked (the lineage). response_id is null on the sums.
    "attestation_rewards_daily": _cols(day="text", validator_index="int", head_gwei="int", target_gwei="int",
                                       source_gwei="int", inclusion_delay_gwei="int", inactivity_gwei="int",
                                       penalties_gwei="int", credited_gwei="int"),
    "attestation_rewards_daily_batches": _cols(day="text", epoch="int", first_index="int", last_index="int", entries="int"),
    "proposer_duties": _cols(slot="int", epoch="int", validator_index="int", pubkey="text"),
    "beacon_blocks": _cols(slot="int", epoch="int", produced="bool", proposer_index="int?", block_number="int?",
                           block_hash="text?", fee_recipient="text?", gas_used="int?", base_fee_per_gas_wei="wei?",
                           timestamp="int?"),
    "block_rewards": _cols(slot="int", proposer_index="int", total_gwei="int", attestations_gwei="int",
                           sync_aggregate_gwei="int", proposer_slashings_gwei="int", attester_slashings_gwei="int"),
    "sync_committee_rewards": _cols(slot="int", validator_index="int", reward_gwei="int"),
    "sync_committee_members": _cols(period="int", validator_index="int"),
    "withdrawals": _cols(withdrawal_index="int", slot="int", validator_index="int", address="text", amount_gwei="int"),
    "deposits": _cols(slot="int", position="int", source="text", pubkey="text", withdrawal_credentials="text", amount_gwei="int"),
    "consolidations": _cols(slot="int", position="int", source_pubkey="text", target_pubkey="text", source_index="int?",
                            target_index="int?", amount_gwei="int?"),
    "withdrawal_requests": _cols(slot="int", position="int", source_address="text", validator_pubkey="text",
                                 validator_index="int?", amount_gwei="int"),
    "slashings": _cols(slot="int", validator_index="int", kind="text"),
    "queue_snapshots": _cols(state_slot="int", queue="text", entries="int"),
    "pending_deposits": _cols(state_slot="int", position="int", pubkey="text", withdrawal_credentials="text",
                              amount_gwei="int", entry_slot="int", origin="text"),
    "pending_consolidations": _cols(state_slot="int", position="int", source_index="int", target_index="int",
                                    source_balance_gwei="int?", source_effective_balance_gwei="int?",
                                    source_withdrawable_epoch="int?", source_slashed="bool?"),
    "pending_partial_withdrawals": _cols(state_slot="int", position="int", validator_index="int", amount_gwei="int",
                                         withdrawable_epoch="int"),
    "consolidations_processed": _cols(epoch="int?", slot="int", source_index="int", target_index="int",
                                      source_balance_gwei="int?", source_effective_balance_gwei="int?",
                                      source_reward_gwei="int?", rewards_response_id="text?"),
    "execution_blocks": _cols(block_number="int", block_hash="text", miner="text", base_fee_per_gas_wei="wei", gas_used="int",
                              timestamp="int", transaction_count="int"),
    "execution_transactions": _cols(block_number="int", transaction_index="int", transaction_hash="text", from_address="text",
                                    to_address="text?", value_wei="wei", gas_used="int?", effective_gas_price_wei="wei?",
                                    block_response_id="text?"),
    "relay_payloads": _cols(relay="text", slot="int", block_hash="text", block_number="int", builder_pubkey="text",
                            proposer_pubkey="text", proposer_fee_recipient="text", value_wei="wei", gas_used="int", num_tx="int"),
}

TABLES = {
    "beacon_snapshots": ("chain", "run_id"),
    "day_windows": ("chain", "day"),
    "validator_states": ("chain", "state_slot", "validator_index"),
    "attestation_rewards": ("chain", "epoch", "validator_index"),
    "attestation_rewards_daily": ("chain", "day", "validator_index"),
    "attestation_rewards_daily_batches": ("chain", "day", "epoch", "first_index"),
    "proposer_duties": ("chain", "slot"),
    "beacon_blocks": ("chain", "slot"),
    "block_rewards": ("chain", "slot"),
    "sync_committee_rewards": ("chain", "slot", "validator_index"),
    "sync_committee_members": ("chain", "period", "validator_index"),
    "withdrawals": ("chain", "withdrawal_index"),
    "deposits": ("chain", "slot", "position"),
    "consolidations": ("chain", "slot", "position"),
    "withdrawal_requests": ("chain", "slot", "position"),
    "slashings": ("chain", "slot", "validator_index", "kind"),
    "queue_snapshots": ("chain", "state_slot", "queue"),
    "pending_deposits": ("chain", "state_slot", "position"),
    "pending_consolidations": ("chain", "state_slot", "position"),
    "pending_partial_withdrawals": ("chain", "state_slot", "position"),
    "consolidations_processed": ("chain", "source_index", "target_index"),
    # Transactions before their blocks: the blocks' rows are collected while the transactions
    # stream (fetch.EthereumFetcher._execution), and a day's resources run in this order.
    "execution_transactions": ("chain", "transaction_hash"),
    "execution_blocks": ("chain", "block_number"),
    "relay_payloads": ("chain", "relay", "slot", "block_hash"),
}
