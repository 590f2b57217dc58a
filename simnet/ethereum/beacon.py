"""The beacon node API (ethereum/beacon-APIs), Electra, served from an EthereumModel.

Numbers are decimal strings, rewards gwei. Error bodies are {"code", "message"} as Lighthouse
and Teku answer them. A pruned node (params.archive False) answers states and rewards only for
epochs >= head_epoch - retention_epochs; blocks are always served.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from simnet.ethereum import params as P
from simnet.ethereum.model import EthereumModel
from simnet.http import Api, ApiError, Reply, Request, Route
from simnet.jsonstream import Lazy, compact_json
from simnet.keys import bls_signature, eth_hash, hex_bytes

MAX_GET_IDS = 64
CONSENSUS_VERSION = "electra"
_ROOT = re.compile(r"^0x[0-9a-fA-F]{64}$")
_PUBKEY = re.compile(r"^0x[0-9a-fA-F]{96}$")
STATUS_GROUPS = {
    "pending": ("pending_initialized", "pending_queued"),
    "active": ("active_ongoing", "active_exiting", "active_slashed"),
    "exited": ("exited_unslashed", "exited_slashed"),
    "withdrawal": ("withdrawal_possible", "withdrawal_done"),
}
ALL_STATUSES = {s for group in STATUS_GROUPS.values() for s in group}


def not_found(message: str) -> ApiError:
    return ApiError(404, {"code": 404, "message": f"NOT_FOUND: {message}"})


def bad_request(message: str) -> ApiError:
    return ApiError(400, {"code": 400, "message": f"BAD_REQUEST: {message}"})


def _attestation_texts(rewards, batch: int = 256):
    """total_rewards entries as the compact JSON `iter_attestation_rows`' dicts encode to, in batches.

    A network-wide day is 225 answers a validator: rendering each outcome's tail once (the values
    are integers: nothing to escape) makes an entry one string concatenation, where encoding its
    dict cost ~6x more (bench/README.md) and made the simulator, not the loader, the larger part of
    a load's time.
    """
    tails: dict[tuple[int, int, int, int], str] = {}
    texts: list[str] = []
    for v, reward in rewards:
        tail = tails.get(reward)
        if tail is None:
            tail = tails[reward] = '","head":"%d","target":"%d","source":"%d","inactivity":"%d"}' % reward
        texts.append('{"validator_index":"' + str(v) + tail)
        if len(texts) == batch:
            yield texts
            texts = []
    yield texts


def _uint(text: str, what: str) -> int:
    if not text.isdigit():
        raise bad_request(f"invalid {what}: {text}")
    return int(text)


class BeaconApi(Api):
    name = "beacon"

    def __init__(self, model: EthereumModel):
        self.model = model
        # an epoch's ideal_rewards, the same 2,048 entries in each of its answers (a network-wide
        # epoch is 100 answers): the last few epochs' texts, kept by epoch
        self._ideal_texts: dict[int, list[str]] = {}
        self._ideal_lock = threading.Lock()

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/eth/v1/beacon/genesis", "genesis", self.genesis),
            Route("GET", "/eth/v1/config/spec", "spec", self.spec),
            Route("GET", "/eth/v1/beacon/states/{state_id}/validators", "validators", self.validators_get),
            Route("POST", "/eth/v1/beacon/states/{state_id}/validators", "validators", self.validators_post),
            Route("GET", "/eth/v1/beacon/states/{state_id}/finality_checkpoints", "finality_checkpoints",
                  self.finality_checkpoints),
            Route("GET", "/eth/v1/beacon/states/{state_id}/sync_committees", "sync_committees", self.sync_committees),
            Route("GET", "/eth/v1/beacon/states/{state_id}/pending_deposits", "pending_deposits", self.pending_deposits),
            Route("GET", "/eth/v1/beacon/states/{state_id}/pending_consolidations", "pending_consolidations",
                  self.pending_consolidations),
            Route("GET", "/eth/v1/beacon/states/{state_id}/pending_partial_withdrawals", "pending_partial_withdrawals",
                  self.pending_partial_withdrawals),
            Route("POST", "/eth/v1/beacon/rewards/attestations/{epoch}", "attestation_rewards",
                  self.attestation_rewards),
            Route("GET", "/eth/v1/beacon/rewards/blocks/{block_id}", "block_rewards", self.block_rewards),
            Route("POST", "/eth/v1/beacon/rewards/sync_committee/{block_id}", "sync_committee_rewards",
                  self.sync_committee_rewards),
            Route("GET", "/eth/v1/validator/duties/proposer/{epoch}", "proposer_duties", self.proposer_duties),
            Route("GET", "/eth/v2/validator/duties/proposer/{epoch}", "proposer_duties", self.proposer_duties),
            Route("GET", "/eth/v2/beacon/blocks/{block_id}", "block", self.block),
            Route("GET", "/eth/v1/beacon/headers/{block_id}", "headers", self.header),
        ]

    # ------------------------------------------------------------ id resolution
    def state_slot(self, state_id: str, *, pruned_check: bool = True) -> int:
        m = self.model
        if state_id == "head":
            slot = m.head_slot
        elif state_id == "genesis":
            slot = 0
        elif state_id == "finalized":
            slot = m.finalized_slot
        elif state_id == "justified":
            slot = m.justified_epoch * m.S
        elif state_id.isdigit():
            slot = int(state_id)
            if slot > m.head_slot:
                raise not_found(f"state at slot {slot} not found (head is {m.head_slot})")
        elif _ROOT.match(state_id):
            found = m.slot_of_root("state", state_id)
            if found is None:
                raise not_found(f"state root {state_id}")
            slot = found
        else:
            raise bad_request(f"invalid state ID: {state_id}")
        if pruned_check and slot // m.S < m.oldest_state_epoch:
            raise not_found(f"historical state at slot {slot} is not available (pruned; not an archive node)")
        return slot

    def block_slot(self, block_id: str) -> int:
        m = self.model
        if block_id == "head":
            return m.latest_block_slot(m.head_slot)
        if block_id == "finalized":
            slot = m.latest_block_slot(m.finalized_slot)
        elif block_id == "justified":
            slot = m.latest_block_slot(m.justified_epoch * m.S)
        elif block_id == "genesis":
            slot = 0
        elif block_id.isdigit():
            slot = int(block_id)
        elif _ROOT.match(block_id):
            found = m.slot_of_root("block", block_id)
            if found is None:
                raise not_found(f"block root {block_id}")
            slot = found
        else:
            raise bad_request(f"invalid block ID: {block_id}")
        if slot > m.head_slot or not m.block_produced(slot):
            raise not_found(f"beacon block at slot {slot}")
        return slot

    def _rewards_block_slot(self, block_id: str) -> int:
        slot = self.block_slot(block_id)
        if slot // self.model.S < self.model.oldest_state_epoch:
            raise not_found(f"state for block at slot {slot} is not available (pruned; not an archive node)")
        return slot

    def _finalized(self, slot: int) -> bool:
        return slot <= self.model.finalized_slot

    def _envelope(self, slot: int, data: Any) -> dict[str, Any]:
        return {"execution_optimistic": False, "finalized": self._finalized(slot), "data": data}

    def _validator_ids(self, ids: list[Any], slot: int) -> list[int]:
        """Indices for index/pubkey strings; unknown ones are left out, malformed ones are a 400."""
        m = self.model
        size = m.registry_size(slot)
        try:
            # what a network-wide load sends: 10,000 plain indices a request, 225 requests a
            # validator a day; parsed at once they cost less than half of what the loop below does
            if all(map(str.isdigit, ids)):
                return [v for v in dict.fromkeys(map(int, ids)) if v < size]
        except (TypeError, ValueError):
            pass  # a number, not a string, or a digit int() refuses: the loop answers as it always did
        out: list[int] = []
        seen: set[int] = set()  # a 10,000-id request: a list lookup per id made each request quadratic
        for raw in ids:
            text = str(raw).strip()
            if text.isdigit():
                v = int(text)
            elif _PUBKEY.match(text):
                v = m.index_of_pubkey(text)
                if v is None:
                    continue
            else:
                raise bad_request(f"invalid validator ID: {text}")
            if v < size and v not in seen:
                seen.add(v)
                out.append(v)
        return out

    # ------------------------------------------------------------ config
    def genesis(self, request: Request) -> Reply:
        m = self.model
        return Reply({"data": {
            "genesis_time": str(m.params.genesis_time),
            "genesis_validators_root": eth_hash(m.params.seed, "genesis-validators-root"),
            "genesis_fork_version": "0x10000910",
        }})

    def spec(self, request: Request) -> Reply:
        p = self.model.params
        data = {
            "CONFIG_NAME": "simnet", "PRESET_BASE": "mainnet",
            "GENESIS_FORK_VERSION": "0x10000910", "ALTAIR_FORK_VERSION": "0x20000910", "ALTAIR_FORK_EPOCH": "0",
            "BELLATRIX_FORK_VERSION": "0x30000910", "BELLATRIX_FORK_EPOCH": "0",
            "CAPELLA_FORK_VERSION": "0x40000910", "CAPELLA_FORK_EPOCH": "0",
            "DENEB_FORK_VERSION": "0x50000910", "DENEB_FORK_EPOCH": "0",
            "ELECTRA_FORK_VERSION": "0x60000910", "ELECTRA_FORK_EPOCH": "0",
            "FULU_FORK_VERSION": "0x70000910", "FULU_FORK_EPOCH": str(P.FAR_FUTURE_EPOCH),
            "MIN_GENESIS_TIME": str(p.genesis_time), "GENESIS_DELAY": "0",
            "SECONDS_PER_SLOT": str(p.seconds_per_slot), "SECONDS_PER_ETH1_BLOCK": str(p.seconds_per_slot),
            "SLOTS_PER_EPOCH": str(p.slots_per_epoch),
            "MIN_VALIDATOR_WITHDRAWABILITY_DELAY": str(P.MIN_VALIDATOR_WITHDRAWABILITY_DELAY),
            "SHARD_COMMITTEE_PERIOD": "256", "ETH1_FOLLOW_DISTANCE": "2048",
            "INACTIVITY_SCORE_BIAS": "4", "INACTIVITY_SCORE_RECOVERY_RATE": "16", "EJECTION_BALANCE": "16000000000",
            "MIN_PER_EPOCH_CHURN_LIMIT": "4", "MAX_PER_EPOCH_ACTIVATION_CHURN_LIMIT": "8",
            "CHURN_LIMIT_QUOTIENT": "65536", "PROPOSER_SCORE_BOOST": "40",
            "DEPOSIT_CHAIN_ID": str(p.chain_id), "DEPOSIT_NETWORK_ID": str(p.chain_id),
            "DEPOSIT_CONTRACT_ADDRESS": "0x00000000219ab540356cbb839cbe05303d7705fa",
            "MAX_COMMITTEES_PER_SLOT": "64", "TARGET_COMMITTEE_SIZE": "128", "MAX_VALIDATORS_PER_COMMITTEE": "2048",
            "SHUFFLE_ROUND_COUNT": "90", "HYSTERESIS_QUOTIENT": "4", "HYSTERESIS_DOWNWARD_MULTIPLIER": "1",
            "HYSTERESIS_UPWARD_MULTIPLIER": "5", "MIN_DEPOSIT_AMOUNT": "1000000000",
            "MAX_EFFECTIVE_BALANCE": str(P.MIN_ACTIVATION_BALANCE),
            "EFFECTIVE_BALANCE_INCREMENT": str(P.EFFECTIVE_BALANCE_INCREMENT),
            "MIN_ATTESTATION_INCLUSION_DELAY": "1", "MIN_SEED_LOOKAHEAD": "1",
            "MAX_SEED_LOOKAHEAD": str(P.MAX_SEED_LOOKAHEAD), "EPOCHS_PER_ETH1_VOTING_PERIOD": "64",
            "SLOTS_PER_HISTORICAL_ROOT": "8192", "MIN_EPOCHS_TO_INACTIVITY_PENALTY": "4",
            "EPOCHS_PER_HISTORICAL_VECTOR": "65536",
            "EPOCHS_PER_SLASHINGS_VECTOR": str(P.EPOCHS_PER_SLASHINGS_VECTOR),
            "HISTORICAL_ROOTS_LIMIT": "16777216", "VALIDATOR_REGISTRY_LIMIT": "1099511627776",
            "BASE_REWARD_FACTOR": "64", "WHISTLEBLOWER_REWARD_QUOTIENT": "512", "PROPOSER_REWARD_QUOTIENT": "8",
            "INACTIVITY_PENALTY_QUOTIENT_BELLATRIX": str(P.INACTIVITY_PENALTY_QUOTIENT_BELLATRIX),
            "MIN_SLASHING_PENALTY_QUOTIENT_BELLATRIX": "32", "PROPORTIONAL_SLASHING_MULTIPLIER_BELLATRIX": "3",
            "MAX_PROPOSER_SLASHINGS": "16", "MAX_DEPOSITS": "16", "MAX_VOLUNTARY_EXITS": "16",
            "SYNC_COMMITTEE_SIZE": str(p.sync_committee_size),
            "EPOCHS_PER_SYNC_COMMITTEE_PERIOD": str(p.epochs_per_sync_committee_period),
            "MIN_SYNC_COMMITTEE_PARTICIPANTS": "1", "SYNC_COMMITTEE_SUBNET_COUNT": str(P.SYNC_COMMITTEE_SUBNET_COUNT),
            "MAX_BYTES_PER_TRANSACTION": "1073741824", "MAX_TRANSACTIONS_PER_PAYLOAD": "1048576",
            "BYTES_PER_LOGS_BLOOM": "256", "MAX_EXTRA_DATA_BYTES": "32", "MAX_BLS_TO_EXECUTION_CHANGES": "16",
            "MAX_WITHDRAWALS_PER_PAYLOAD": str(p.max_withdrawals_per_payload),
            "MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP": str(P.MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP),
            "MAX_BLOB_COMMITMENTS_PER_BLOCK": "4096", "FIELD_ELEMENTS_PER_BLOB": "4096",
            "MAX_BLOBS_PER_BLOCK_ELECTRA": "9",
            "MIN_ACTIVATION_BALANCE": str(P.MIN_ACTIVATION_BALANCE),
            "MAX_EFFECTIVE_BALANCE_ELECTRA": str(P.MAX_EFFECTIVE_BALANCE_ELECTRA),
            "MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA": str(P.MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA),
            "WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA": str(P.WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA),
            "PENDING_DEPOSITS_LIMIT": "134217728", "PENDING_PARTIAL_WITHDRAWALS_LIMIT": "134217728",
            "PENDING_CONSOLIDATIONS_LIMIT": "262144", "MAX_ATTESTER_SLASHINGS_ELECTRA": "1",
            "MAX_ATTESTATIONS_ELECTRA": "8", "MAX_DEPOSIT_REQUESTS_PER_PAYLOAD": "8192",
            "MAX_WITHDRAWAL_REQUESTS_PER_PAYLOAD": "16", "MAX_CONSOLIDATION_REQUESTS_PER_PAYLOAD": "2",
            "MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP": "8", "MAX_PENDING_DEPOSITS_PER_EPOCH": "16",
            "COMPOUNDING_WITHDRAWAL_PREFIX": "0x02", "ETH1_ADDRESS_WITHDRAWAL_PREFIX": "0x01",
            "BLS_WITHDRAWAL_PREFIX": "0x00", "FULL_EXIT_REQUEST_AMOUNT": "0",
            "UNSET_DEPOSIT_REQUESTS_START_INDEX": str(P.FAR_FUTURE_EPOCH),
            "DOMAIN_BEACON_PROPOSER": "0x00000000", "DOMAIN_BEACON_ATTESTER": "0x01000000",
            "DOMAIN_RANDAO": "0x02000000", "DOMAIN_DEPOSIT": "0x03000000", "DOMAIN_VOLUNTARY_EXIT": "0x04000000",
            "DOMAIN_SELECTION_PROOF": "0x05000000", "DOMAIN_AGGREGATE_AND_PROOF": "0x06000000",
            "DOMAIN_SYNC_COMMITTEE": "0x07000000", "DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF": "0x08000000",
            "DOMAIN_CONTRIBUTION_AND_PROOF": "0x09000000", "DOMAIN_APPLICATION_MASK": "0x00000001",
            # the rest of what a beacon node lists (networking and pre-Electra values, mainnet's)
            "MIN_GENESIS_ACTIVE_VALIDATOR_COUNT": str(min(p.validators, 16384)),
            "TERMINAL_TOTAL_DIFFICULTY": "0", "TERMINAL_BLOCK_HASH": "0x" + "00" * 32,
            "TERMINAL_BLOCK_HASH_ACTIVATION_EPOCH": str(P.FAR_FUTURE_EPOCH),
            "SUBNETS_PER_NODE": "2", "GAS_LIMIT_ADJUSTMENT_FACTOR": "1024", "MAX_PAYLOAD_SIZE": "10485760",
            "MAX_REQUEST_BLOCKS": "1024", "MIN_EPOCHS_FOR_BLOCK_REQUESTS": "33024", "TTFB_TIMEOUT": "5",
            "RESP_TIMEOUT": "10", "ATTESTATION_PROPAGATION_SLOT_RANGE": "32",
            "MAXIMUM_GOSSIP_CLOCK_DISPARITY_MILLIS": "500", "MESSAGE_DOMAIN_INVALID_SNAPPY": "0x00000000",
            "MESSAGE_DOMAIN_VALID_SNAPPY": "0x01000000", "ATTESTATION_SUBNET_PREFIX_BITS": "6",
            "MAX_REQUEST_BLOCKS_DENEB": "128", "MAX_REQUEST_BLOB_SIDECARS": "768",
            "MAX_REQUEST_DATA_COLUMN_SIDECARS": "16384", "MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS": "4096",
            "BLOB_SIDECAR_SUBNET_COUNT": "6", "MAX_BLOBS_PER_BLOCK": "6",
            "MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA": str(P.MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA),
            "MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT": str(P.MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT),
            "BLOB_SIDECAR_SUBNET_COUNT_ELECTRA": "9", "MAX_REQUEST_BLOB_SIDECARS_ELECTRA": "1152",
            "NUMBER_OF_COLUMNS": "128", "NUMBER_OF_CUSTODY_GROUPS": "128", "DATA_COLUMN_SIDECAR_SUBNET_COUNT": "128",
            "SAMPLES_PER_SLOT": "8", "CUSTODY_REQUIREMENT": "4", "INACTIVITY_PENALTY_QUOTIENT": "67108864",
            "MIN_SLASHING_PENALTY_QUOTIENT": "128", "PROPORTIONAL_SLASHING_MULTIPLIER": "1",
            "MAX_ATTESTER_SLASHINGS": "2", "MAX_ATTESTATIONS": "128",
            "INACTIVITY_PENALTY_QUOTIENT_ALTAIR": "50331648", "MIN_SLASHING_PENALTY_QUOTIENT_ALTAIR": "64",
            "PROPORTIONAL_SLASHING_MULTIPLIER_ALTAIR": "2", "FIELD_ELEMENTS_PER_CELL": "64",
            "FIELD_ELEMENTS_PER_EXT_BLOB": "8192", "KZG_COMMITMENTS_INCLUSION_PROOF_DEPTH": "4",
            "TARGET_AGGREGATORS_PER_COMMITTEE": "16", "TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE": "16",
            "VERSIONED_HASH_VERSION_KZG": "1",
        }
        return Reply({"data": data})

    # ------------------------------------------------------------ states
    def _validators(self, state_id: str, ids: list[Any] | None, statuses: list[Any] | None) -> Reply:
        m = self.model
        slot = self.state_slot(state_id)
        wanted: set[str] | None = None
        if statuses:
            wanted = set()
            for status in statuses:
                status = str(status)
                if status in STATUS_GROUPS:
                    wanted.update(STATUS_GROUPS[status])
                elif status in ALL_STATUSES:
                    wanted.add(status)
                else:
                    raise bad_request(f"invalid validator status: {status}")
        indices = range(m.registry_size(slot)) if ids is None else self._validator_ids(ids, slot)
        m.sim.run_to(slot)

        def rows():
            for v in indices:
                r = m.validator_record(v, slot)
                if wanted is not None and r["status"] not in wanted:
                    continue
                yield {"index": str(v), "balance": str(r["balance"]), "status": r["status"], "validator": {
                    "pubkey": r["pubkey"], "withdrawal_credentials": r["withdrawal_credentials"],
                    "effective_balance": str(r["effective_balance"]), "slashed": r["slashed"],
                    "activation_eligibility_epoch": str(r["activation_eligibility_epoch"]),
                    "activation_epoch": str(r["activation_epoch"]), "exit_epoch": str(r["exit_epoch"]),
                    "withdrawable_epoch": str(r["withdrawable_epoch"])}}

        return Reply(self._envelope(slot, Lazy(rows)))

    def validators_get(self, request: Request) -> Reply:
        ids = [part for value in request.query.get("id", []) for part in value.split(",") if part.strip()]
        if len(ids) > MAX_GET_IDS:
            raise ApiError(414, {"code": 414, "message": f"URI_TOO_LONG: at most {MAX_GET_IDS} validator ids "
                                                         "in a GET request; use POST"})
        statuses = [part for value in request.query.get("status", []) for part in value.split(",") if part.strip()]
        return self._validators(request.path_params["state_id"], ids or None, statuses or None)

    def validators_post(self, request: Request) -> Reply:
        body = request.json() or {}
        if not isinstance(body, dict):
            raise bad_request("body must be an object {ids, statuses}")
        ids, statuses = body.get("ids"), body.get("statuses")
        if ids is not None and not isinstance(ids, list) or statuses is not None and not isinstance(statuses, list):
            raise bad_request("ids and statuses must be arrays")
        return self._validators(request.path_params["state_id"], ids or None, statuses or None)

    def finality_checkpoints(self, request: Request) -> Reply:
        m = self.model
        slot = self.state_slot(request.path_params["state_id"])
        epoch = slot // m.S
        lag = m.params.finality_lag_epochs
        finalized = max(0, epoch - lag)
        current = min(epoch, max(0, epoch - lag + 1))
        previous = max(0, current - 1) if current > finalized else finalized

        def checkpoint(e: int) -> dict[str, str]:
            root = m.block_root(m.latest_block_slot(e * m.S)) if e else "0x" + "00" * 32
            return {"epoch": str(e), "root": root}

        return Reply(self._envelope(slot, {"previous_justified": checkpoint(previous),
                                           "current_justified": checkpoint(current),
                                           "finalized": checkpoint(finalized)}))

    def sync_committees(self, request: Request) -> Reply:
        m = self.model
        slot = self.state_slot(request.path_params["state_id"])
        period = m.sync_period(slot // m.S)
        epoch_arg = request.arg("epoch")
        if epoch_arg is not None:
            wanted = m.sync_period(_uint(epoch_arg, "epoch"))
            if wanted not in (period, period + 1):
                raise bad_request(f"epoch {epoch_arg} is not in the current or next sync committee period")
            period = wanted
        members = [str(v) for v in m.sync_committee(period)]
        step = len(members) // P.SYNC_COMMITTEE_SUBNET_COUNT
        aggregates = [members[i:i + step] for i in range(0, len(members), step)]
        return Reply(self._envelope(slot, {"validators": members, "validator_aggregates": aggregates}))

    # ------------------------------------------------------------ Electra's pending queues
    # Lighthouse's shape, as the published recordings show it: no "version" member, the queue in
    # "data" in queue order, numbers as decimal strings.
    def _queue(self, request: Request, rows) -> Reply:
        m = self.model
        slot = self.state_slot(request.path_params["state_id"])
        m.sim.run_to(slot)
        return Reply(self._envelope(slot, rows(slot)), headers={"Eth-Consensus-Version": CONSENSUS_VERSION})

    def pending_deposits(self, request: Request) -> Reply:
        m = self.model
        seed = m.params.seed
        return self._queue(request, lambda slot: [
            {"pubkey": m.pubkey(v), "withdrawal_credentials": m.withdrawal_credentials(v), "amount": str(amount),
             "signature": bls_signature(seed, "deposit", v, at), "slot": str(at)}
            for v, amount, at in m.sim.pending_deposits(slot)])

    def pending_consolidations(self, request: Request) -> Reply:
        return self._queue(request, lambda slot: [
            {"source_index": str(source), "target_index": str(target)}
            for source, target in self.model.sim.pending_consolidations(slot)])

    def pending_partial_withdrawals(self, request: Request) -> Reply:
        return self._queue(request, lambda slot: [
            {"validator_index": str(v), "amount": str(amount), "withdrawable_epoch": str(epoch)}
            for v, amount, epoch in self.model.sim.pending_partial_withdrawals(slot)])

    # ------------------------------------------------------------ rewards
    def attestation_rewards(self, request: Request) -> Reply:
        m = self.model
        epoch = _uint(request.path_params["epoch"], "epoch")
        if epoch > m.last_rewarded_epoch:
            raise not_found(f"attestation rewards of epoch {epoch} need the state at the end of epoch "
                            f"{epoch + 1}, which the head ({m.head_slot}) has not reached")
        if epoch < m.oldest_state_epoch:
            raise not_found(f"state for epoch {epoch} is not available (pruned; not an archive node)")
        body = request.json()
        if body is not None and not isinstance(body, list):
            raise bad_request("body must be an array of validator indices or pubkeys")
        indices = self._validator_ids(body, m.epoch_last_slot(epoch + 1)) if body else None
        max_eb = P.MAX_EFFECTIVE_BALANCE_ELECTRA // P.EFFECTIVE_BALANCE_INCREMENT

        def ideal():
            for inc in range(1, max_eb + 1):
                eb = inc * P.EFFECTIVE_BALANCE_INCREMENT
                head, target, source, inactivity = m.ideal_rewards(epoch, eb)
                yield {"effective_balance": str(eb), "head": str(head), "target": str(target),
                       "source": str(source), "inactivity": str(inactivity)}

        def ideal_texts():
            with self._ideal_lock:
                texts = self._ideal_texts.get(epoch)
                if texts is None:
                    texts = [compact_json(entry) for entry in ideal()]
                    if len(self._ideal_texts) >= 8:
                        del self._ideal_texts[min(self._ideal_texts)]
                    self._ideal_texts[epoch] = texts
            return [texts]

        # Lighthouse's shape (the published capture has no "finalized" here)
        return Reply({"execution_optimistic": False, "data": {
            "ideal_rewards": Lazy(ideal, encoded=ideal_texts),
            "total_rewards": Lazy(lambda: m.iter_attestation_rows(epoch, indices),
                                  encoded=lambda: _attestation_texts(m.iter_attestation_rewards(epoch, indices))),
        }})

    def block_rewards(self, request: Request) -> Reply:
        slot = self._rewards_block_slot(request.path_params["block_id"])
        r = self.model.block_reward(slot)
        return Reply(self._envelope(slot, {
            "proposer_index": str(r.proposer_index), "total": str(r.total), "attestations": str(r.attestations),
            "sync_aggregate": str(r.sync_aggregate), "proposer_slashings": str(r.proposer_slashings),
            "attester_slashings": str(r.attester_slashings)}))

    def sync_committee_rewards(self, request: Request) -> Reply:
        slot = self._rewards_block_slot(request.path_params["block_id"])
        body = request.json()
        if body is not None and not isinstance(body, list):
            raise bad_request("body must be an array of validator indices or pubkeys")
        wanted = set(self._validator_ids(body, slot)) if body else None
        data = [{"validator_index": str(v), "reward": str(r)} for v, r in self.model.sync_rewards(slot)
                if wanted is None or v in wanted]
        return Reply(self._envelope(slot, data))

    # ------------------------------------------------------------ duties
    def proposer_duties(self, request: Request) -> Reply:
        m = self.model
        epoch = _uint(request.path_params["epoch"], "epoch")
        if epoch > m.head_epoch + 1:
            raise bad_request(f"proposer duties of epoch {epoch} are not known yet (head epoch {m.head_epoch})")
        if epoch < m.oldest_state_epoch:
            raise not_found(f"state for epoch {epoch} is not available (pruned; not an archive node)")
        dependent = m.block_root(m.latest_block_slot(max(0, epoch * m.S - 1)))
        data = [{"pubkey": m.pubkey(m.proposer(s)), "validator_index": str(m.proposer(s)), "slot": str(s)}
                for s in range(epoch * m.S, (epoch + 1) * m.S)]
        return Reply({"dependent_root": dependent, "execution_optimistic": False, "data": data})

    # ------------------------------------------------------------ blocks
    def _parent_root(self, slot: int) -> str:
        return self.model.block_root(self.model.latest_block_slot(slot - 1))

    def block(self, request: Request) -> Reply:
        slot = self.block_slot(request.path_params["block_id"])
        data = {"message": self.block_message(slot), "signature": bls_signature(self.model.params.seed, "block", slot)}
        envelope = {"version": CONSENSUS_VERSION, **self._envelope(slot, data)}
        return Reply(envelope, headers={"Eth-Consensus-Version": CONSENSUS_VERSION})

    def header(self, request: Request) -> Reply:
        m = self.model
        slot = self.block_slot(request.path_params["block_id"])
        return Reply(self._envelope(slot, {"root": m.block_root(slot), "canonical": True, "header": {
            "message": {"slot": str(slot), "proposer_index": str(m.proposer(slot)),
                        "parent_root": self._parent_root(slot), "state_root": m.state_root(slot),
                        "body_root": eth_hash(m.params.seed, "body-root", slot)},
            "signature": bls_signature(m.params.seed, "block", slot)}}))

    def block_message(self, slot: int) -> dict[str, Any]:
        m = self.model
        seed = m.params.seed
        ev = m.events
        el = m.payloads.block(slot)
        epoch = slot // m.S
        participation = m.sync_participation(slot)
        bits = sum(1 << i for i, ok in enumerate(participation) if ok)
        body: dict[str, Any] = {
            "randao_reveal": bls_signature(seed, "randao", slot),
            "eth1_data": {"deposit_root": eth_hash(seed, "deposit-root"), "deposit_count": str(m.N),
                          "block_hash": eth_hash(seed, "eth1-block")},
            "graffiti": "0x" + f"simnet validator {m.proposer(slot)}".encode().hex().ljust(64, "0"),
            "proposer_slashings": [],
            "attester_slashings": [],
            "attestations": self._attestations(slot),
            "deposits": [],
            "voluntary_exits": [],
            "sync_aggregate": {
                "sync_committee_bits": "0x" + bits.to_bytes(max(1, len(participation) // 8), "little").hex(),
                "sync_committee_signature": bls_signature(seed, "sync-aggregate", slot)},
            "execution_payload": {
                "parent_hash": el.parent_hash, "fee_recipient": el.miner,
                "state_root": eth_hash(seed, "el-state-root", slot),
                "receipts_root": eth_hash(seed, "receipts-root", slot),
                "logs_bloom": "0x" + "00" * 256, "prev_randao": eth_hash(seed, "prev-randao", slot),
                "block_number": str(el.number), "gas_limit": str(el.gas_limit), "gas_used": str(el.gas_used),
                "timestamp": str(el.timestamp), "extra_data": el.extra_data, "base_fee_per_gas": str(el.base_fee),
                "block_hash": el.hash, "transactions": [t.raw(seed) for t in el.txs],
                "withdrawals": [{"index": str(w.index), "validator_index": str(w.validator_index),
                                 "address": w.address, "amount": str(w.amount)} for w in m.withdrawals(slot)],
                "blob_gas_used": str(el.blob_gas_used), "excess_blob_gas": str(el.excess_blob_gas)},
            "bls_to_execution_changes": [],
            "blob_kzg_commitments": [hex_bytes(48, seed, "kzg", h) for t in el.txs for h in t.blob_hashes],
            "execution_requests": {"deposits": [], "withdrawals": [], "consolidations": []},
        }
        if slot == ev.slashing_slot:
            x = ev.slashed_validator
            body["proposer_slashings"].append({
                f"signed_header_{n}": {"message": {
                    "slot": str(ev.slashed_header_slot), "proposer_index": str(x),
                    "parent_root": self._parent_root(ev.slashed_header_slot),
                    "state_root": eth_hash(seed, "equivocation-state", n),
                    "body_root": eth_hash(seed, "equivocation-body", n)},
                    "signature": bls_signature(seed, "equivocation", n)} for n in (1, 2)})
        if slot == ev.exit_slot:
            body["voluntary_exits"].append({"message": {"epoch": str(epoch), "validator_index": str(ev.exit_validator)},
                                            "signature": bls_signature(seed, "voluntary-exit", ev.exit_validator)})
        for kind, v, amount in (("deposit", ev.deposit_validator, ev.deposit_amount),
                                ("top_up", ev.topup_validator, ev.topup_amount)):
            if slot == (ev.deposit_slot if kind == "deposit" else ev.topup_slot):
                body["execution_requests"]["deposits"].append({
                    "pubkey": m.pubkey(v), "withdrawal_credentials": m.withdrawal_credentials(v),
                    "amount": str(amount), "signature": bls_signature(seed, "deposit", v, slot),
                    "index": str(1_000_000 + (0 if kind == "deposit" else 1))})
        if slot == ev.consolidation_slot:
            body["execution_requests"]["consolidations"].extend({
                "source_address": m.withdrawal_address(source), "source_pubkey": m.pubkey(source),
                "target_pubkey": m.pubkey(target)} for source, target in ev.consolidations)
        if slot == ev.partial_withdrawal_slot:
            v = ev.partial_withdrawal_validator
            body["execution_requests"]["withdrawals"].append({
                "source_address": m.withdrawal_address(v), "validator_pubkey": m.pubkey(v),
                "amount": str(ev.partial_withdrawal_amount)})
        return {"slot": str(slot), "proposer_index": str(m.proposer(slot)), "parent_root": self._parent_root(slot),
                "state_root": m.state_root(slot), "body": body}

    def _attestations(self, slot: int) -> list[dict[str, Any]]:
        m = self.model
        seed = m.params.seed
        prev = slot - 1
        if prev < 0:
            return []
        epoch = prev // m.S
        source_epoch = max(0, epoch - 1)
        source_root = m.block_root(m.latest_block_slot(source_epoch * m.S))
        return [{
            "aggregation_bits": "0x" + hex_bytes(8, seed, "aggregation-bits", slot)[2:] + "01",
            "data": {"slot": str(prev), "index": "0",
                     "beacon_block_root": m.block_root(m.latest_block_slot(prev)),
                     "source": {"epoch": str(source_epoch), "root": source_root},
                     "target": {"epoch": str(epoch), "root": m.block_root(m.latest_block_slot(epoch * m.S))}},
            "signature": bls_signature(seed, "attestation", slot),
            "committee_bits": "0x0100000000000000",
        }]
