"""Which simnet request answers the question of each published payload (tests/fixtures/README.md).

test_shape_fidelity.py holds every answer to the merged shape of its endpoint's real payloads
(simnet/shapes.py). To cover a new endpoint, copy its payloads into tests/fixtures/<provider>/
and add a ShapeCase per file; list a payload the simnet cannot answer in SKIPPED with the reason.
The requests name simnet validators, slots and epochs of the default network (NetworkSpec()).
Fixtures in TRIMMED are shortened copies (array entries left out, every shape kept); the others
are verbatim.
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


# ---------------------------------------------------------------- Ethereum
# The default Ethereum network (EthereumParams()): head slot 1485 (epoch 185), attestation rewards
# known up to epoch 183, states and rewards retained from epoch 16 (not an archive node).
def _eth(net):
    return net.ethereum


def _recent_block(net, back: int = 0) -> int:
    """A produced slot `back` blocks before the head's block (an EL-numbered block)."""
    m = _eth(net)
    return m.produced_slots(m.head_slot - 64, m.head_slot)[-1 - back]


def _negative_sync_slot(net) -> tuple[int, int]:
    """A retained block where a sync committee member missed its signature, and that member."""
    m = _eth(net)
    for slot in m.produced_slots(m.oldest_state_epoch * m.S, m.head_slot):
        missed = [v for v, reward in m.sync_rewards(slot) if reward < 0]
        if missed:
            return slot, missed[0]
    raise AssertionError("no missed sync committee signature in the retained window")


def _blob_block(net) -> int:
    """An EL block number whose receipts include a blob transaction and a builder payment."""
    m = _eth(net)
    slot = next(s for s in m.produced_slots(1, m.head_slot) if m.is_mev_boost(s) and m.payloads.block(s).blob_gas_used)
    return m.block_number(slot)


def _payment_tx(net) -> str:
    """The builder's payment transaction of a MEV-Boost block: what Aurora looks up."""
    m = _eth(net)
    slot = next(s for s in m.produced_slots(m.head_slot - 64, m.head_slot) if m.is_mev_boost(s)
                and m.payloads.block(s).payment_tx is not None)
    return m.payloads.block(slot).payment_tx.hash


RECEIPT_SCHEMA = "upstream: ethereum/execution-apis src/schemas/receipt.yaml @024e954f ReceiptInfo"
RECEIPTS = ("`eth_getBlockReceipts [blockTag|hash]` → `[{transactionHash, transactionIndex, from, to, gasUsed, "
            "cumulativeGasUsed, effectiveGasPrice, type, logs, blobGasUsed?, blobGasPrice?…}]`")
# The hive chain's receipts (eth_getBlockReceipts.hive-n) are four contract creations in the
# pre-Byzantium style: a post-state `root` and no `status`, `to` null, `contractAddress` set.
# A simnet block holds calls (with status codes) and blob transactions.
BLOCK_RECEIPTS = (
    documented("$.result[].root", f"{RECEIPT_SCHEMA} `root`: The post-transaction state root. Only specified for "
                                  "transactions included before the Byzantium upgrade."),
    documented("$.result[].status", f"{RECEIPT_SCHEMA} `status`: Either 1 (success) or 0 (failure). Only specified "
                                    "for transactions included after the Byzantium upgrade.", "hex-quantity"),
    documented("$.result[].to", f"{RECEIPT_SCHEMA} `to`: Address of the receiver, or null in a contract creation "
                                "transaction", "null", "hex"),
    documented("$.result[].contractAddress", f"{RECEIPT_SCHEMA} `contractAddress`: The contract address created, if "
                                             "the transaction was a contract creation, otherwise null.", "hex", "null"),
    documented("$.result[].blobGasUsed", RECEIPTS, "hex-quantity"),
    documented("$.result[].blobGasPrice", RECEIPTS, "hex-quantity"),
)


def _beacon(fixture: str, source: str, endpoint: str, ask, *docs) -> ShapeCase:
    return ShapeCase(f"beacon/{fixture}", f"beacon/{source}", "beacon", endpoint, ask, tuple(docs))


def _execution(fixture: str, source: str, endpoint: str, ask, *docs) -> ShapeCase:
    return ShapeCase(f"execution/{fixture}", f"execution/{source}", "execution", endpoint, ask, tuple(docs))


def _relay(fixture: str, source: str, relay: str, endpoint: str, ask, *docs) -> ShapeCase:
    return ShapeCase(f"relay/{fixture}", f"relay/{source}", f"relay_{relay}", endpoint, ask, tuple(docs))


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
    # ---------------------------------------------------------------- Ethereum beacon node
    _beacon("genesis.kiln-sepolia.json", "genesis__kiln-watcher-sepolia.json", "genesis", get("/eth/v1/beacon/genesis")),
    _beacon("spec.kiln-sepolia.json", "config_spec__kiln-watcher-sepolia.json", "spec", get("/eth/v1/config/spec")),
    _beacon("validators.kiln-sepolia-slot7687968.json", "validators_state__kiln-watcher-sepolia_slot7687968.json",
            "validators", get("/eth/v1/beacon/states/head/validators")),
    _beacon("attestation_rewards.kiln-sepolia-e240247-all.json", "attestation_rewards__kiln-watcher-sepolia_e240247_all.json",
            "attestation_rewards", post(lambda net: f"/eth/v1/beacon/rewards/attestations/{_eth(net).events.leak_epochs[-1]}", [])),
    _beacon("attestation_rewards.go-eth2-client-mainnet-e335909-v0-3.json",
            "attestation_rewards_data__go-eth2-client_mainnet_e335909_v0-3.json", "attestation_rewards",
            post(lambda net: f"/eth/v1/beacon/rewards/attestations/{_eth(net).last_rewarded_epoch}",
                 lambda net: ["0", "1", _eth(net).pubkey(2), _eth(net).pubkey(3)])),
    _beacon("attestation_rewards.go-eth2-client-mainnet-e335909-v63-negative.json",
            "attestation_rewards_data__go-eth2-client_mainnet_e335909_v63_negative.json", "attestation_rewards",
            post(lambda net: f"/eth/v1/beacon/rewards/attestations/{_eth(net).events.offline_epochs[1]}",
                 lambda net: [str(_eth(net).events.offline_validator)])),
    _beacon("block_rewards.go-eth2-client-mainnet-slot10760040.json", "block_rewards_data__go-eth2-client_mainnet_slot10760040.json",
            "block_rewards", get(lambda net: f"/eth/v1/beacon/rewards/blocks/{_recent_block(net, 3)}")),
    _beacon("block_rewards.go-eth2-client-hoodi-slot1714850.json", "block_rewards_data__go-eth2-client_hoodi_slot1714850.json",
            "block_rewards", get(lambda net: f"/eth/v1/beacon/rewards/blocks/{_eth(net).events.slashing_slot}")),
    _beacon("sync_committee_rewards.go-eth2-client-mainnet-slot10760058.json",
            "sync_committee_rewards_data__go-eth2-client_mainnet_slot10760058.json", "sync_committee_rewards",
            post(lambda net: f"/eth/v1/beacon/rewards/sync_committee/{_recent_block(net)}",
                 lambda net: [str(v) if k == 0 else _eth(net).pubkey(v) for k, (v, _) in
                              enumerate(_eth(net).sync_rewards(_recent_block(net))[:2])])),
    _beacon("sync_committee_rewards.go-eth2-client-mainnet-slot10760058-negative.json",
            "sync_committee_rewards_data__go-eth2-client_mainnet_slot10760058_negative.json", "sync_committee_rewards",
            post(lambda net: f"/eth/v1/beacon/rewards/sync_committee/{_negative_sync_slot(net)[0]}",
                 lambda net: [str(_negative_sync_slot(net)[1])])),
    _beacon("sync_committee_rewards.go-eth2-client-hoodi-slot1714544-commentedout.json",
            "sync_committee_rewards_data__go-eth2-client_hoodi_slot1714544_commentedout.json", "sync_committee_rewards",
            post(lambda net: f"/eth/v1/beacon/rewards/sync_committee/{_negative_sync_slot(net)[0]}")),
    _beacon("proposer_duties.kiln-sepolia-e240249.json", "proposer_duties__kiln-watcher-sepolia_e240249.json", "proposer_duties",
            get(lambda net: f"/eth/v1/validator/duties/proposer/{_eth(net).head_epoch + 1}")),
    _beacon("headers.kiln-sepolia-finalized.json", "headers_finalized__kiln-watcher-sepolia.json", "headers",
            get("/eth/v1/beacon/headers/finalized")),
    _beacon("headers.kiln-sepolia-slot7687982.json", "headers_slot__kiln-watcher-sepolia_slot7687982.json", "headers",
            get(lambda net: f"/eth/v1/beacon/headers/{_recent_block(net)}")),
    # the recorded queue is empty: only the envelope is compared (the state asked holds the top-up)
    _beacon("pending_deposits.kiln-sepolia-head.json", "pending_deposits__kiln-watcher-sepolia_head.json", "pending_deposits",
            get(lambda net: f"/eth/v1/beacon/states/{_eth(net).events.topup_slot}/pending_deposits")),
    # ---------------------------------------------------------------- Ethereum execution JSON-RPC
    # the hive files' own requests (blocks 0x2a and 0x2d exist in the simnet too)
    _execution("eth_getBlockByNumber.hive-cancun.json", "get-block-cancun-fork.response.json", "eth_getBlockByNumber",
               rpc("eth_getBlockByNumber", lambda net: ["0x2a", False])),
    _execution("eth_getBlockByNumber.hive-prague.json", "get-block-prague-fork.response.json", "eth_getBlockByNumber",
               rpc("eth_getBlockByNumber", lambda net: ["0x2d", False])),
    _execution("eth_getBlockByNumber.alloy-mainnet-block19449567.json",
               "eth_getBlockByNumber_result_header__alloy_mainnet_block19449567.json", "eth_getBlockByNumber",
               rpc("eth_getBlockByNumber", lambda net: [hex(_eth(net).block_number(_eth(net).events.exit_slot)), False])),
    _execution("eth_getBlockReceipts.hive-n.json", "get-block-receipts-n.response.json", "eth_getBlockReceipts",
               rpc("eth_getBlockReceipts", lambda net: [hex(_blob_block(net))]), *BLOCK_RECEIPTS),
    _execution("eth_getTransactionReceipt.reth-mainnet-block23377311.json",
               "eth_getTransactionReceipt_result__reth_mainnet_block23377311.json", "eth_getTransactionReceipt",
               rpc("eth_getTransactionReceipt", lambda net: [_payment_tx(net)])),
    # ---------------------------------------------------------------- MEV-Boost relay data API
    _relay("proposer_payload_delivered.slotzviz-mainnet-slot6516479.json",
           "proposer_payload_delivered__slotzviz-comment_mainnet_slot6516479.json", "ultrasound", "proposer_payload_delivered",
           get("/relay/v1/data/bidtraces/proposer_payload_delivered", {"limit": 10})),
]

# Shortened copies: what was kept (tests/fixtures/README.md). test_shape_fidelity.py checks that
# each is a selection of the published file's entries with exactly its shape.
TRIMMED: dict[str, str] = {
    "beacon/attestation_rewards.kiln-sepolia-e240247-all.json":
        "ideal_rewards at 1, 2, 32 and 2048 ETH of 2048 entries; total_rewards of validators 0, 1, 2 and the three "
        "that missed the head (1350, 1979, 1985: negative target and source) of 1781",
    "beacon/validators.kiln-sepolia-slot7687968.json":
        "8 of 1987 validators: 0, 1, 2, the first of each (status, credential prefix) pair and the last",
}

# Published files with nothing to compare: endpoints the simnet does not serve, and requests.
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
    "beacon/validator_liveness__kiln-watcher-sepolia_e240248.json": "validator_liveness: not served (Aurora reads duties' outcomes from rewards, not liveness)",
    "relay/builder_blocks_received__ultrasound-relay-docs_hoodi_slot3635889.json": "builder_blocks_received: not served (bids, not deliveries; Aurora books the delivered payload)",
    "execution/get-block-cancun-fork.request.json": "a request, not a payload: the case of get-block-cancun-fork.response.json sends it",
    "execution/get-block-prague-fork.request.json": "a request, not a payload: the case of get-block-prague-fork.response.json sends it",
    "execution/get-block-receipts-n.request.json": "a request, not a payload: eth_getBlockReceipts of a block (the case asks a simnet block with blob transactions)",
}

# Real payloads found for this project outside the shared collection (provenance in
# tests/fixtures/README.md), merged into their endpoint's real shape like the published ones. A
# payload published as one entry of the result array is wrapped in a one-entry array here (the
# fixture file stays verbatim). The SIMD-0291 answer is what holds the simnet's `commissionBps`
# answers (epochs from SolanaParams.commission_bps_epoch) to a real one.
FOUND: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("solana_rpc", "getInflationReward"): [
        ("solana/getInflationReward.marinade-mainnet-epoch1005-bps-entry.json", "entry"),
        ("solana/getInflationReward.marinade-mainnet-epoch1001-entry.json", "entry"),
    ],
}

# Every Ethereum payload is registered or skipped above.
ETHEREUM_TODO: list[str] = []
