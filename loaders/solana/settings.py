"""Solana loader settings: where rows land, how calls are grouped, and the RPC's error codes."""

DATASET = "raw_solana"
PIPELINE = "aurora_solana"

MINIMUM_SLOTS_PER_EPOCH = 32  # agave EpochSchedule: warmup epochs double from here

INFLATION_ADDRESSES_PER_CALL = 100  # getInflationReward takes a list of addresses
INFLATION_CALLS_PER_BATCH = 5
BLOCKS_PER_BATCH = 20  # getBlock calls per JSON-RPC batch
BOUNDARY_WINDOW = 64  # slots scanned with getBlocks to find an epoch's first or last block

# getBlock errors: the slot was skipped (-32007 recent ledger, -32009 long-term storage), or the
# block is not available yet (-32004, e.g. beyond the node's root).
SKIPPED_SLOT_CODES = (-32007, -32009)
BLOCK_NOT_AVAILABLE = -32004

# Transaction detail per block: "none" gives the leader's Fee reward only. Splitting base from
# priority fees needs each transaction's instructions (precompile signatures are charged like
# transaction signatures, and the compute-budget instructions state the priority fee): only
# "full" carries them ("accounts" has signatures, keys and fee, no instructions). JSON encoding,
# so no transaction has to be decoded from its wire format. See docs/pnl.md for the cost.
DETAILS_TOTAL_ONLY = "none"
DETAILS_FOR_SPLIT = "full"

# Programs whose instructions count in the base fee: each signature they verify (the first byte
# of the instruction data) is charged lamports_per_signature, like a transaction signature
# (agave fee/src/lib.rs calculate_signature_fee; runtime-transaction/src/signature_details.rs).
ED25519_PROGRAM = "Ed25519SigVerify111111111111111111111111111"
SECP256K1_PROGRAM = "KeccakSecp256k11111111111111111111111111111"
SECP256R1_PROGRAM = "Secp256r1SigVerify1111111111111111111111111"
PRECOMPILE_PROGRAMS = (ED25519_PROGRAM, SECP256K1_PROGRAM, SECP256R1_PROGRAM)
COMPUTE_BUDGET_PROGRAM = "ComputeBudget111111111111111111111111111111"
MAX_COMPUTE_UNIT_LIMIT = 1_400_000  # agave compute-budget: a requested limit is capped here
MICRO_LAMPORTS_PER_LAMPORT = 1_000_000
BURN_PERCENT = 50  # DEFAULT_BURN_PERCENT: of the base fee (of the whole fee before SIMD-0096)

# SIMD-0096 "Reward full priority fee to validator": the leader keeps 100% of priority fees from
# the slot its feature account says it was activated at (getAccountInfo); before, 50% was burned.
FULL_PRIORITY_FEE_FEATURE = "3opE3EzAKnUftUDURkzMgwpNgimBAypW1mNDYH4x4Zg7"
FEATURE_PROGRAM = "Feature111111111111111111111111111111111111"

# Every column of every table, typed: tables exist (empty) from the first run, and dlt never
# guesses a type from the first rows (lamports can exceed a signed 64-bit integer).
LAMPORTS = {"data_type": "decimal", "precision": 38, "scale": 0}


def _cols(**spec: object) -> dict:
    kinds = {
        "text": {"data_type": "text"},
        "int": {"data_type": "bigint"},
        "bool": {"data_type": "bool"},
        "lamports": LAMPORTS,
        "time": {"data_type": "timestamp"},
    }
    out = {"chain": {"data_type": "text", "nullable": False}}
    for name, kind in spec.items():
        kind = str(kind)
        nullable = kind.endswith("?")
        out[name] = {**kinds[kind.rstrip("?")], "nullable": nullable}
    out["response_id"] = {"data_type": "text", "nullable": True}
    return out


COLUMNS = {
    "cluster_snapshots": _cols(run_id="text", observed_at="time", head_slot="int", current_epoch="int", slots_per_epoch="int",
                               warmup="bool", first_normal_epoch="int", first_normal_slot="int"),
    "vote_accounts": _cols(snapshot_epoch="int", snapshot_slot="int", vote_pubkey="text", node_pubkey="text",
                           activated_stake="lamports", commission="int?", commission_bps="int?", epoch_vote_account="bool",
                           last_vote="int", root_slot="int?", is_delinquent="bool"),
    "epoch_credits": _cols(vote_pubkey="text", epoch="int", credits="int", previous_credits="int", observed_epoch="int",
                           is_complete="bool"),
    "leader_slots": _cols(slot="int", epoch="int", identity="text"),
    # Which identities' schedules are stored per epoch (an identity asked with no slot has 0);
    # identity "*" marks a whole schedule (every identity without a row had no slot).
    "leader_schedules": _cols(epoch="int", identity="text", leader_slots="int", is_whole="bool"),
    # The identity the loader matched each tracked vote account's leader slots with, per epoch,
    # and where it came from: jito | snapshot | nearest_snapshot | leader_schedule.
    "vote_identities": _cols(epoch="int", vote_pubkey="text", identity_pubkey="text", source="text"),
    "block_production": _cols(epoch="int", identity="text", leader_slots="int", blocks_produced="int", first_slot="int",
                              last_slot="int", is_complete="bool"),
    "inflation_rewards": _cols(epoch="int", vote_pubkey="text", rewarded="bool", amount="lamports", post_balance="lamports?",
                               effective_slot="int?", commission="int?", commission_bps="int?"),
    "blocks": _cols(slot="int", epoch="int", leader_identity="text?", produced="bool", block_time="int?", block_height="int?",
                    parent_slot="int?", fee_reward_lamports="lamports", base_fee_lamports="lamports?",
                    priority_fee_lamports="lamports?", transaction_count="int?", signature_count="int?",
                    precompile_signature_count="int?", fee_split_mismatch="text?"),
    "epoch_boundaries": _cols(epoch="int", first_slot="int", last_slot="int", first_block_slot="int", last_block_slot="int",
                              start_time="time", end_time="time"),
}

# Every row carries its chain key (a testnet can sit beside mainnet in the same dataset).
TABLES = {
    "cluster_snapshots": ("chain", "run_id"),
    "vote_accounts": ("chain", "snapshot_epoch", "vote_pubkey"),
    "epoch_credits": ("chain", "vote_pubkey", "epoch"),
    "leader_slots": ("chain", "slot"),
    "leader_schedules": ("chain", "epoch", "identity"),
    "vote_identities": ("chain", "epoch", "vote_pubkey"),
    "block_production": ("chain", "epoch", "identity"),
    "inflation_rewards": ("chain", "epoch", "vote_pubkey"),
    "blocks": ("chain", "slot"),
    "epoch_boundaries": ("chain", "epoch"),
}
