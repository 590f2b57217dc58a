"""Golden tests: every published Ethereum payload (tests/fixtures/{beacon,execution,relay}, copied
from ../shared/fixtures/real with their source in tests/fixtures/README.md) goes through the parser
Aurora uses for its endpoint, and where the payload carries its own numbers (a block-rewards
`total` and its parts, attestation components, sync rewards, balances, a relay trace's `value`,
receipts' gas and prices) the parsed numbers equal them to the last unit, read here from the raw
JSON independently of the parser. A payload in a shape Aurora does not know is refused with the
field named, never guessed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from loaders.beacon import helpers as beacon
from loaders.execution import helpers as execution
from loaders.providers import PayloadError
from loaders.relays import helpers as relays
from tests.support.fixtures import FIXTURES, load, result_of

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared" / "fixtures" / "real"

# Published files Aurora has no parser for, with the reason (every other shared Ethereum file
# has a copy in tests/fixtures whose name says its endpoint).
NOT_READ = {
    "beacon/validator_liveness__kiln-watcher-sepolia_e240248.json": "Aurora reads duties' outcomes from the rewards",
    "relay/builder_blocks_received__ultrasound-relay-docs_hoodi_slot3635889.json": "bids, not deliveries: Aurora books the delivered payload",
    "execution/get-block-cancun-fork.request.json": "a request",
    "execution/get-block-prague-fork.request.json": "a request",
    "execution/get-block-receipts-n.request.json": "a request",
}


def data_of(payload):
    """The `data` member of a whole beacon answer; go-eth2-client's captures are `data` alone."""
    return payload["data"] if isinstance(payload, dict) and "data" in payload and set(payload) - {"data", "version"} <= {
        "execution_optimistic", "finalized", "dependent_root"} else payload


def fixtures(directory: str) -> list[Path]:
    return sorted((FIXTURES / directory).glob("*.json"))


def endpoint(path: Path) -> str:
    return path.name.split(".")[0]


# ---------------------------------------------------------------- every file has its parser
BEACON = {
    "attestation_rewards": lambda d: beacon.parse_attestation_rewards(d, 1),
    "block_rewards": lambda d: beacon.parse_block_rewards(d, 1),
    "sync_committee_rewards": lambda d: beacon.parse_sync_committee_rewards(d, 1),
    "validators": beacon.parse_validators,
    "proposer_duties": lambda d: beacon.parse_proposer_duties(d, 240249),
    "genesis": beacon.parse_genesis,
    "spec": beacon.parse_spec,
    "headers": beacon.parse_header_slot,
    "pending_deposits": lambda d: beacon.parse_pending_deposits(d, 1),
    "pending_consolidations": lambda d: beacon.parse_pending_consolidations(d, 1),
    "pending_partial_withdrawals": lambda d: beacon.parse_pending_partial_withdrawals(d, 1),
}


@pytest.mark.parametrize("path", fixtures("beacon"), ids=lambda p: p.name)
def test_every_beacon_payload_parses(path):
    assert endpoint(path) in BEACON, f"{path.name}: no Aurora parser registered for {endpoint(path)}"
    BEACON[endpoint(path)](data_of(load(path)))


def test_every_shared_ethereum_payload_is_copied_or_not_read():
    if not SHARED.is_dir():
        pytest.skip("the shared collection of published payloads is not in this checkout")
    copied = {line.split("|")[2].strip() for line in (FIXTURES / "README.md").read_text().splitlines()
              if line.startswith("| beacon/") or line.startswith("| execution/") or line.startswith("| relay/")}
    for directory in ("beacon", "execution", "relay"):
        for path in sorted((SHARED / directory).iterdir()):
            name = f"{directory}/{path.name}"
            assert name in copied or name in NOT_READ, f"{name}: neither copied to tests/fixtures nor listed as not read"


# ---------------------------------------------------------------- the payloads' own numbers
@pytest.mark.parametrize("path", sorted((FIXTURES / "beacon").glob("block_rewards.*")), ids=lambda p: p.name)
def test_block_rewards_total_to_the_gwei(path):
    raw = data_of(load(path))
    row = beacon.parse_block_rewards(raw, 1)
    parts = ("attestations", "sync_aggregate", "proposer_slashings", "attester_slashings")
    assert row["total_gwei"] == int(raw["total"]) == sum(int(raw[p]) for p in parts)
    assert [row[f"{p}_gwei"] for p in parts] == [int(raw[p]) for p in parts]


def test_mainnet_block_rewards_numbers():
    """Mainnet slot 10760040 (go-eth2-client's capture): the total and its parts, exactly."""
    row = beacon.parse_block_rewards(load(FIXTURES / "beacon" / "block_rewards.go-eth2-client-mainnet-slot10760040.json"), 10760040)
    raw = load(FIXTURES / "beacon" / "block_rewards.go-eth2-client-mainnet-slot10760040.json")
    assert row["proposer_index"] == int(raw["proposer_index"]) and row["total_gwei"] == int(raw["total"]) > 0


@pytest.mark.parametrize("path", sorted((FIXTURES / "beacon").glob("attestation_rewards.*")), ids=lambda p: p.name)
def test_attestation_components_to_the_gwei(path):
    raw = data_of(load(path))
    rows = beacon.parse_attestation_rewards(raw, 7)
    assert len(rows) == len(raw["total_rewards"])
    for row, entry in zip(rows, raw["total_rewards"]):
        assert row["validator_index"] == int(entry["validator_index"])
        for name in beacon.ATTESTATION_COMPONENTS:
            assert row[f"{name}_gwei"] == int(entry.get(name, "0")), (entry["validator_index"], name)
    # the epoch's net over the payload, summed two ways
    assert sum(sum(r[f"{n}_gwei"] for n in beacon.ATTESTATION_COMPONENTS) for r in rows) == sum(
        int(v) for e in raw["total_rewards"] for k, v in e.items() if k in beacon.ATTESTATION_COMPONENTS)


@pytest.mark.parametrize("path", sorted((FIXTURES / "beacon").glob("sync_committee_rewards.*")), ids=lambda p: p.name)
def test_sync_rewards_to_the_gwei(path):
    raw = data_of(load(path))
    rows = beacon.parse_sync_committee_rewards(raw, 1)
    assert [(r["validator_index"], r["reward_gwei"]) for r in rows] == [(int(e["validator_index"]), int(e["reward"])) for e in raw]
    # The column reading of a network-wide day gives the same, to the gwei.
    indices, rewards = beacon.sync_committee_reward_columns(raw, 1)
    assert list(zip(indices, rewards)) == [(r["validator_index"], r["reward_gwei"]) for r in rows]


def test_validator_balances_to_the_gwei():
    raw = data_of(load(FIXTURES / "beacon" / "validators.kiln-sepolia-slot7687968.json"))
    rows = beacon.parse_validators(raw)
    assert [(r["balance_gwei"], r["effective_balance_gwei"]) for r in rows] == [
        (int(e["balance"]), int(e["validator"]["effective_balance"])) for e in raw]
    assert max(r["balance_gwei"] for r in rows) > 2048 * 10**9  # a compounding validator above the cap: kept whole


def test_spec_genesis_duties_and_headers_of_the_sepolia_session():
    spec = beacon.parse_spec(data_of(load(FIXTURES / "beacon" / "spec.kiln-sepolia.json")))
    assert spec["ELECTRA_FORK_EPOCH"] == 222464  # Sepolia's Electra: its states from slot 7118848 have queues
    assert beacon.parse_genesis(data_of(load(FIXTURES / "beacon" / "genesis.kiln-sepolia.json"))) == 1655733600
    assert beacon.parse_header_slot(data_of(load(FIXTURES / "beacon" / "headers.kiln-sepolia-finalized.json"))) == 7687904
    assert beacon.parse_header_slot(data_of(load(FIXTURES / "beacon" / "headers.kiln-sepolia-slot7687982.json"))) == 7687982
    duties = beacon.parse_proposer_duties(data_of(load(FIXTURES / "beacon" / "proposer_duties.kiln-sepolia-e240249.json")), 240249)
    assert [d["slot"] for d in duties] == list(range(240249 * 32, 240250 * 32))


def test_spec_without_electra_has_no_queues():
    spec = data_of(load(FIXTURES / "beacon" / "spec.kiln-sepolia.json"))
    before = {k: v for k, v in spec.items() if not k.startswith("ELECTRA")}
    assert beacon.parse_spec(before)["ELECTRA_FORK_EPOCH"] is None
    assert beacon.parse_spec({**spec, "ELECTRA_FORK_EPOCH": str(2**64 - 1)})["ELECTRA_FORK_EPOCH"] is None


@pytest.mark.parametrize("queue", ["pending_deposits", "pending_consolidations", "pending_partial_withdrawals"])
def test_empty_queues_of_the_sepolia_session(queue):
    """Lighthouse v7.0.0 on Sepolia, 2025-05-23: every queue empty, and no `version` member,
    though beacon-APIs lists it as required: Aurora reads `data` only."""
    payload = load(FIXTURES / "beacon" / f"{queue}.kiln-sepolia-head.json")
    assert "version" not in payload
    assert BEACON[queue](data_of(payload)) == []


# ---------------------------------------------------------------- queue entries, and refusals
PUBKEY = "0x" + "ab" * 48
CREDENTIALS = "0x02" + "00" * 11 + "cd" * 20


def test_pending_deposit_origins():
    rows = beacon.parse_pending_deposits([
        {"pubkey": PUBKEY, "withdrawal_credentials": CREDENTIALS, "amount": "96000000000", "signature": "0x" + "11" * 96, "slot": "11649025"},
        {"pubkey": PUBKEY.upper().replace("0X", "0x"), "withdrawal_credentials": CREDENTIALS, "amount": "1000000000",
         "signature": beacon.G2_POINT_AT_INFINITY, "slot": "0"},
        {"pubkey": PUBKEY, "withdrawal_credentials": CREDENTIALS, "amount": "32000000000", "signature": "0x" + "22" * 96, "slot": "0"},
    ], 11649100)
    assert [(r["position"], r["origin"], r["amount_gwei"], r["entry_slot"], r["pubkey"]) for r in rows] == [
        (0, "request", 96000000000, 11649025, PUBKEY), (1, "balance", 1000000000, 0, PUBKEY), (2, "bridge", 32000000000, 0, PUBKEY)]


@pytest.mark.parametrize(("queue", "entry", "field", "problem"), [
    # an amount as a JSON number (public code works around Erigon's Caplin doing so in blocks): refused
    ("pending_deposits", {"pubkey": PUBKEY, "withdrawal_credentials": CREDENTIALS, "amount": 32000000000,
                          "signature": "0x00", "slot": "5"}, r"data\[0\]\.amount", "expected an unsigned decimal string"),
    ("pending_deposits", {"pubkey": PUBKEY, "withdrawal_credentials": CREDENTIALS, "amount": "1", "signature": "0x00"},
     r"data\[0\]\.slot", "missing"),
    ("pending_consolidations", {"source_index": "10", "target": "23"}, r"data\[0\]\.target_index", "missing"),
    ("pending_partial_withdrawals", {"validator_index": "7", "amount": "-5", "withdrawable_epoch": "9"},
     r"data\[0\]\.amount", "expected an unsigned decimal string"),
])
def test_an_unknown_queue_shape_is_refused_naming_the_field(queue, entry, field, problem):
    with pytest.raises(PayloadError, match=rf"beacon states/42/{queue}: {field}: {problem}"):
        getattr(beacon, f"parse_{queue}")([entry], 42)
    with pytest.raises(PayloadError, match=rf"beacon states/42/{queue}: data: expected an array"):
        getattr(beacon, f"parse_{queue}")({"deposits": []}, 42)


def test_block_requests_are_read_and_a_bad_one_refused():
    block = {"message": {"slot": "9", "proposer_index": "1", "body": {
        "execution_requests": {
            "deposits": [{"pubkey": PUBKEY, "withdrawal_credentials": CREDENTIALS, "amount": "96000000000",
                          "signature": "0x00", "index": "5"}],
            "withdrawals": [{"source_address": "0x" + "cd" * 20, "validator_pubkey": PUBKEY, "amount": "0"}],
            "consolidations": [{"source_address": "0x" + "cd" * 20, "source_pubkey": PUBKEY, "target_pubkey": PUBKEY}]}}}}
    parsed = beacon.parse_block(block, 9)
    assert parsed["deposits"][0]["amount_gwei"] == 96000000000
    assert parsed["withdrawal_requests"] == [{"slot": 9, "position": 0, "source_address": "0x" + "cd" * 20,
                                              "validator_pubkey": PUBKEY, "amount_gwei": 0}]
    assert parsed["consolidations"][0]["source_pubkey"] == parsed["consolidations"][0]["target_pubkey"]
    broken = copy.deepcopy(block)
    del broken["message"]["body"]["execution_requests"]["withdrawals"][0]["validator_pubkey"]
    with pytest.raises(PayloadError, match=r"data\.message\.body\.execution_requests\.withdrawals\[0\]\.validator_pubkey: missing"):
        beacon.parse_block(broken, 9)
    numeric = copy.deepcopy(block)  # the shape a public workaround for Erigon's Caplin rewrites
    numeric["message"]["body"]["execution_requests"]["deposits"][0]["amount"] = 32000000000
    with pytest.raises(PayloadError, match=r"deposits\[0\]\.amount: expected an unsigned decimal string, got 32000000000"):
        beacon.parse_block(numeric, 9)


# ---------------------------------------------------------------- execution and relay
def test_receipts_gas_and_prices_to_the_wei():
    raw = result_of(load(FIXTURES / "execution" / "eth_getBlockReceipts.hive-n.json"))
    rows = execution.parse_receipts(raw, int(raw[0]["blockNumber"], 16))
    assert [(r["transaction_hash"], r["gas_used"], r["effective_gas_price_wei"]) for r in rows] == [
        (x["transactionHash"].lower(), int(x["gasUsed"], 16), int(x["effectiveGasPrice"], 16)) for x in raw]


def test_mainnet_receipt_reads_as_a_one_receipt_block():
    """reth's mainnet receipt (block 23377311): what the fee a transaction paid is made of."""
    raw = result_of(load(FIXTURES / "execution" / "eth_getTransactionReceipt.reth-mainnet-block23377311.json"))
    (row,) = execution.parse_receipts([raw], 23377311)
    assert (row["gas_used"], row["effective_gas_price_wei"]) == (int(raw["gasUsed"], 16), int(raw["effectiveGasPrice"], 16))
    assert int(raw["blockNumber"], 16) == 23377311


def test_mainnet_header_base_fee_and_miner():
    raw = result_of(load(FIXTURES / "execution" / "eth_getBlockByNumber.alloy-mainnet-block19449567.json"))
    parsed = execution.parse_block({**raw, "transactions": []})
    assert parsed["block"]["block_number"] == 19449567 == int(raw["number"], 16)
    assert parsed["block"]["base_fee_per_gas_wei"] == int(raw["baseFeePerGas"], 16)
    assert parsed["block"]["miner"] == raw["miner"].lower()


def test_relay_trace_value_to_the_wei():
    raw = load(FIXTURES / "relay" / "proposer_payload_delivered.slotzviz-mainnet-slot6516479.json")
    rows = relays.parse_delivered(raw, "unknown")
    assert [(r["slot"], r["value_wei"], r["block_number"], r["num_tx"], r["gas_used"]) for r in rows] == [
        (int(t["slot"]), int(t["value"]), int(t["block_number"]), int(t["num_tx"]), int(t["gas_used"])) for t in raw]
    assert rows[0]["value_wei"] == 93419853708036150  # 0.093 ETH to Lido's fee recipient, mainnet block 17336494


def test_payloads_are_json_as_published():
    """The copies are the published bytes (parsed here with the standard library only)."""
    for directory in ("beacon", "execution", "relay"):
        for path in fixtures(directory):
            json.loads(path.read_text())
