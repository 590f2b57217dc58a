"""Which simnet request answers the question of each published payload (tests/fixtures/README.md).

test_shape_fidelity.py holds every answer to the merged shape of its endpoint's real payloads
(simnet/shapes.py). To cover a new endpoint, copy its payloads into tests/fixtures/<provider>/
and add a ShapeCase per file; list a payload the simnet cannot answer in SKIPPED with the reason.
The requests name simnet validators, slots and epochs of the default network (NetworkSpec()).
"""

from __future__ import annotations

from simnet.shapes import ShapeCase, documented, get, post, rpc

# The simnet's default Solana network: epoch 8 is current (a third done), epoch 7 complete but
# its Jito MEV not settled yet, epoch 6 settled.
PREVIOUS, SETTLED = 7, 6


def _vote(net, i: int) -> str:
    return net.solana.validators[i].vote


def _identity(net, i: int) -> str:
    return net.solana.validators[i].identity


def _healthy_slot(net) -> int:
    """A produced slot of the previous epoch."""
    m = net.solana
    return m.produced_slots(m.first_slot(PREVIOUS), m.last_slot(PREVIOUS))[5]


def _reward_slot(net) -> int:
    """The block crediting the previous epoch's vote rewards: Fee and Voting rewards."""
    return net.solana.reward_slot(PREVIOUS)


def _delinquent(net) -> int:
    m = net.solana
    return next(i for i in range(m.p.validators) if m.is_delinquent(i, m.current_epoch))


# ---------------------------------------------------------------- keys the references document
# Each quotes ../shared/reference/apis.md (checked by test_documented_lines_quote_the_reference),
# except two that cite the upstream source apis.md summarises (marked "upstream").
# Real nodes answer both lists with one struct; the payloads with the newer key only show it in
# `current`, so a delinquent entry carrying it is no drift.
VOTE_ACCOUNTS = (
    documented("$.result.delinquent[].inflationRewardsCommissionBps", "`{current:[V], delinquent:[V]}`", "int"),
)
VOTE_ACCOUNTS_RESULT = (documented("$.delinquent[].inflationRewardsCommissionBps", "`{current:[V], delinquent:[V]}`", "int"),)
BLOCK_REWARDS = documented(
    "$.result.rewards[].commission", "rewards:[{pubkey, lamports:i64, postBalance:u64, rewardType, commission:u8|null}]", "int", "null"
)
BLOCK_REWARDS_RESULT = documented(
    "$.rewards[].commission", "rewards:[{pubkey, lamports:i64, postBalance:u64, rewardType, commission:u8|null}]", "int", "null"
)
COMPUTE_UNITS = "tx `meta.fee` u64 lamports (base+priority), `meta.computeUnitsConsumed`"
STACK_HEIGHT = (
    "upstream: anza-xyz/agave transaction-status-client-types UiCompiledInstruction "
    "`pub stack_height: Option<u32>` (serialised as null for top-level instructions)"
)
VERSION = (
    "upstream: solana-labs/solana docs/src/api/methods/_getBlock.mdx @301d3027: "
    '`version: <"legacy"|number|undefined>` - Transaction version. Undefined if `maxSupportedTransactionVersion` is not set'
)
KOBE_VALIDATORS = (
    documented("$.validators[].identity_account", "identity_account:str|null", "base58", "null"),
    documented("$.validators[].mev_commission_bps", "mev_commission_bps:u16|null", "int", "null"),
    documented("$.validators[].mev_rewards", "mev_rewards:u64|null (lamports)", "int", "null"),
    documented("$.validators[].priority_fee_commission_bps", "priority_fee_commission_bps:u16|null", "int", "null"),
    documented("$.validators[].priority_fee_rewards", "priority_fee_rewards:u64|null (lamports)", "int", "null"),
)
VALIDATOR_REWARDS = (
    documented("$.rewards[].priority_fee_commission", "priority_fee_commission:u16|null bps", "int", "null"),
)


def _solana(fixture: str, source: str, endpoint: str, ask, *docs) -> ShapeCase:
    return ShapeCase(f"solana/{fixture}", f"solana/{source}", "solana_rpc", endpoint, ask, tuple(docs))


def _jito(fixture: str, source: str, endpoint: str, ask, *docs) -> ShapeCase:
    return ShapeCase(f"jito/{fixture}", f"jito/{source}", "jito", endpoint, ask, tuple(docs))


CASES: list[ShapeCase] = [
    # ---------------------------------------------------------------- Solana JSON-RPC
    _solana("getEpochSchedule.docs.json", "getEpochSchedule.json", "getEpochSchedule", rpc("getEpochSchedule")),
    _solana("getEpochSchedule.solana-go-testnet.json", "getEpochSchedule_result__solana-go_testnet.json", "getEpochSchedule", rpc("getEpochSchedule")),
    _solana("getEpochInfo.docs.json", "getEpochInfo.json", "getEpochInfo", rpc("getEpochInfo")),
    _solana("getEpochInfo.solana-go-testnet-epoch207.json", "getEpochInfo_result__solana-go_testnet_epoch207.json", "getEpochInfo", rpc("getEpochInfo")),
    _solana("getVoteAccounts.docs.json", "getVoteAccounts.json", "getVoteAccounts",
            rpc("getVoteAccounts", lambda net: [{"votePubkey": _vote(net, 0)}])),
    _solana("getVoteAccounts.solana-com.jsonc", "getVoteAccounts.solana-com.jsonc", "getVoteAccounts", rpc("getVoteAccounts"), *VOTE_ACCOUNTS),
    _solana("getVoteAccounts.sava-mainnet-epoch837.json", "getVoteAccounts__sava_mainnet_epoch837_full.json", "getVoteAccounts",
            rpc("getVoteAccounts"), *VOTE_ACCOUNTS),
    _solana("getVoteAccounts.sava-mainnet-epoch1001-filtered.json", "getVoteAccounts__sava_mainnet_epoch1001_CcaHc2L_filtered.json", "getVoteAccounts",
            rpc("getVoteAccounts", lambda net: [{"votePubkey": _vote(net, 2), "keepUnstakedDelinquents": True, "delinquentSlotDistance": 128}])),
    _solana("getVoteAccounts.solana-go-testnet-delinquent.json", "getVoteAccounts_result__solana-go_testnet_vot33-delinquent.json", "getVoteAccounts",
            rpc("getVoteAccounts", lambda net: [{"votePubkey": _vote(net, _delinquent(net))}]), *VOTE_ACCOUNTS_RESULT),
    _solana("getInflationReward.docs.json", "getInflationReward.json", "getInflationReward",
            rpc("getInflationReward", lambda net: [[_vote(net, 0), net.solana.validators[0].identity], {"epoch": SETTLED}])),
    _solana("getInflationReward.sava-mainnet-epoch781.json", "getInflationReward__sava_mainnet_epoch781.json", "getInflationReward",
            rpc("getInflationReward", lambda net: [[_vote(net, 0)], {"epoch": SETTLED}])),
    _solana("getInflationReward.sava-mainnet-epoch782-minctx.json", "getInflationReward__sava_mainnet_epoch782_minctx.json", "getInflationReward",
            rpc("getInflationReward", lambda net: [[_vote(net, 0)], {"minContextSlot": net.solana.first_slot(PREVIOUS + 1)}])),
    _solana("getInflationReward.sava-mainnet-epoch1000.json", "getInflationReward__sava_mainnet_epoch1000_CcaHc2L.json", "getInflationReward",
            rpc("getInflationReward", lambda net: [[_vote(net, 1)], {"epoch": PREVIOUS}])),
    _solana("getBlockProduction.docs.json", "getBlockProduction.json", "getBlockProduction", rpc("getBlockProduction")),
    _solana("getBlockProduction.sava-mainnet-epoch837.json", "getBlockProduction__sava_mainnet_epoch837.json", "getBlockProduction",
            rpc("getBlockProduction", lambda net: [{"range": {"firstSlot": net.solana.first_slot(PREVIOUS), "lastSlot": net.solana.last_slot(PREVIOUS)}}])),
    _solana("getBlockProduction.solana-go-testnet.json", "getBlockProduction_result__solana-go_testnet_ctxslot83992896.json", "getBlockProduction",
            rpc("getBlockProduction")),
    _solana("getLeaderSchedule.docs.json", "getLeaderSchedule.json", "getLeaderSchedule",
            rpc("getLeaderSchedule", lambda net: [None, {"identity": _identity(net, 0)}])),
    _solana("getLeaderSchedule.solana-go-testnet.json", "getLeaderSchedule_result__solana-go_testnet.json", "getLeaderSchedule", rpc("getLeaderSchedule")),
    _solana("getBlock.docs-full-rewards-false.json", "getBlock.rewards_false.json", "getBlock",
            rpc("getBlock", lambda net: [_healthy_slot(net), {"encoding": "json", "maxSupportedTransactionVersion": 0,
                                                              "transactionDetails": "full", "rewards": False}]),
            documented("$.result.transactions[].meta.computeUnitsConsumed", COMPUTE_UNITS, "int"),
            documented("$.result.transactions[].transaction.message.instructions[].stackHeight", STACK_HEIGHT, "int", "null"),
            documented("$.result.transactions[].version", VERSION, "string", "int")),
    _solana("getBlock.sava-mainnet-slot16384-none.json", "getBlock__sava_mainnet_slot16384_txdetails-none.json", "getBlock",
            rpc("getBlock", lambda net: [_reward_slot(net), {"encoding": "base64", "transactionDetails": "none", "rewards": True}]), BLOCK_REWARDS),
    _solana("getBlock.sava-mainnet-slot328284371-signatures.json", "getBlock__sava_mainnet_slot328284371_signatures.json", "getBlock",
            rpc("getBlock", lambda net: [_healthy_slot(net), {"transactionDetails": "signatures", "rewards": False}])),
    _solana("getBlock.solana-go-testnet-base64.json", "getBlock_result__solana-go_testnet_slot83987984.json", "getBlock",
            rpc("getBlock", lambda net: [_reward_slot(net), {"encoding": "base64"}]),
            BLOCK_REWARDS_RESULT, documented("$.transactions[].meta.computeUnitsConsumed", COMPUTE_UNITS, "int")),
    _solana("getBlock.solana-go-testnet-json.json", "getBlock_result_withopts__solana-go_testnet_slot83987984.json", "getBlock",
            rpc("getBlock", lambda net: [_healthy_slot(net), {"encoding": "json", "transactionDetails": "full", "rewards": True}]),
            BLOCK_REWARDS_RESULT, documented("$.transactions[].meta.computeUnitsConsumed", COMPUTE_UNITS, "int"),
            documented("$.transactions[].transaction.message.instructions[].stackHeight", STACK_HEIGHT, "int", "null")),
    # ---------------------------------------------------------------- Jito kobe
    _jito("validators.epoch600.jsonc", "kobe_v1_validators_epoch600.jsonc", "validators",
          post("/api/v1/validators", {"epoch": SETTLED}), *KOBE_VALIDATORS),
    _jito("validators_by_vote_account.docs.jsonc", "kobe_v1_validators_by_vote_account.jsonc", "validators_by_vote_account",
          get(lambda net: f"/api/v1/validators/{_vote(net, 0)}")),
    _jito("mev_rewards.epoch600.json", "kobe_v1_mev_rewards_epoch600.json", "mev_rewards", post("/api/v1/mev_rewards", {"epoch": SETTLED})),
    _jito("validator_rewards.epoch678.json", "kobe_v1_validator_rewards_epoch678.json", "validator_rewards",
          get("/api/v1/validator_rewards", {"epoch": SETTLED}), *VALIDATOR_REWARDS),
]

# Published payloads of endpoints the simnet does not serve: nothing to compare them with.
SKIPPED: dict[str, str] = {
    "solana/getIdentity_result__solana-go.json": "getIdentity: a node's own identity; the simnet is no validator and does not serve it",
    "solana/getInflationGovernor_result__solana-go_testnet.json": "getInflationGovernor: not served (the model has a fixed reward pool per epoch, no inflation schedule)",
    "solana/getInflationRate_result__solana-go_testnet_epoch207.json": "getInflationRate: not served (no inflation schedule in the model)",
    "solana/getTransaction__sava_mainnet.json": "getTransaction: not served (Aurora reads fees from getBlock)",
    "solana/getTransaction_result__solana-go_testnet_votetx.json": "getTransaction: not served (Aurora reads fees from getBlock)",
    "jito/kobe_v1_staker_rewards.json": "staker_rewards: not served (per-staker claims; Aurora books the validator's share from validators)",
    "jito/kobe_v1_daily_mev_rewards.json": "daily_mev_rewards: not served (network-wide SOL floats, not per validator)",
    "jito/kobe_v1_jito_stake_over_time.json": "jito_stake_over_time: not served (network statistic)",
    "jito/kobe_v1_stake_pool_stats.json": "stake_pool_stats: not served (JitoSOL pool statistic)",
    "jito/kobe_v1_jitosol_validators_epoch600.jsonc": "jitosol_validators: not served (the JitoSOL pool subset of validators)",
}

# TODO(ethereum): add a ShapeCase per file once simnet/ethereum serves the endpoint (api "beacon",
# "execution" or "relay_<name>"; copy the file to tests/fixtures/<provider>/<endpoint>.<case>.json
# and its provenance line to tests/fixtures/README.md).
ETHEREUM_TODO: list[str] = [
    "beacon/attestation_rewards__kiln-watcher-sepolia_e240247_all.json",  # envelope; POST /eth/v1/beacon/rewards/attestations/{epoch} []
    "beacon/attestation_rewards_data__go-eth2-client_mainnet_e335909_v0-3.json",  # data only
    "beacon/attestation_rewards_data__go-eth2-client_mainnet_e335909_v63_negative.json",  # data only
    "beacon/block_rewards_data__go-eth2-client_hoodi_slot1714850.json",  # data only; GET /eth/v1/beacon/rewards/blocks/{id}
    "beacon/block_rewards_data__go-eth2-client_mainnet_slot10760040.json",  # data only
    "beacon/config_spec__kiln-watcher-sepolia.json",  # GET /eth/v1/config/spec
    "beacon/genesis__kiln-watcher-sepolia.json",  # GET /eth/v1/beacon/genesis
    "beacon/headers_finalized__kiln-watcher-sepolia.json",  # GET /eth/v1/beacon/headers/finalized
    "beacon/headers_slot__kiln-watcher-sepolia_slot7687982.json",  # GET /eth/v1/beacon/headers/{slot}
    "beacon/pending_deposits__kiln-watcher-sepolia_head.json",  # GET /eth/v1/beacon/states/head/pending_deposits
    "beacon/proposer_duties__kiln-watcher-sepolia_e240249.json",  # GET /eth/v1/validator/duties/proposer/{epoch}
    "beacon/sync_committee_rewards_data__go-eth2-client_hoodi_slot1714544_commentedout.json",  # data only, less trusted
    "beacon/sync_committee_rewards_data__go-eth2-client_mainnet_slot10760058.json",  # data only
    "beacon/sync_committee_rewards_data__go-eth2-client_mainnet_slot10760058_negative.json",  # data only
    "beacon/validator_liveness__kiln-watcher-sepolia_e240248.json",  # POST /eth/v1/validator/liveness/{epoch}
    "beacon/validators_state__kiln-watcher-sepolia_slot7687968.json",  # GET /eth/v1/beacon/states/{id}/validators
    "execution/eth_getBlockByNumber_result_header__alloy_mainnet_block19449567.json",  # result only, no transactions
    "execution/eth_getTransactionReceipt_result__reth_mainnet_block23377311.json",  # result only
    "execution/get-block-cancun-fork.request.json",  # the request of the pair below
    "execution/get-block-cancun-fork.response.json",  # envelope
    "execution/get-block-prague-fork.request.json",
    "execution/get-block-prague-fork.response.json",  # envelope
    "execution/get-block-receipts-n.request.json",
    "execution/get-block-receipts-n.response.json",  # envelope; eth_getBlockReceipts
    "relay/builder_blocks_received__ultrasound-relay-docs_hoodi_slot3635889.json",
    "relay/proposer_payload_delivered__slotzviz-comment_mainnet_slot6516479.json",
]
