"""Execution payloads: transactions, receipts, fees, MEV-Boost payments and relay bids.

Locally built blocks pay the proposer's fee recipient the priority fees
(sum over receipts of (effectiveGasPrice - baseFeePerGas) * gasUsed). MEV-Boost blocks have the
builder as miner/fee_recipient and end with the builder's payment transaction to the
proposer_fee_recipient, whose value is the relay's bid value, except for the planted anomalies
(an underpayment, a missing payment, a proposer_fee_recipient that is not the validator's
registered one, relays disagreeing on the value, and two blocks only an unconfigured relay
delivered, one of them paying the proposer nothing). Blob fees are burned.
"""

from __future__ import annotations

from dataclasses import dataclass

from simnet.ethereum import params as P
from simnet.keys import bls_pubkey, eth_address, eth_hash, hex_bytes
from simnet.rng import h64, mix

BUILDERS = ("beaverbuild.org", "Titan (titanbuilder.xyz)", "rsync-builder.xyz", "Flashbots", "bloXroute")
LOCAL_EXTRA = "simnet-local"


@dataclass(frozen=True)
class Tx:
    index: int
    hash: str
    sender: str
    to: str
    value: int  # wei
    gas: int
    gas_used: int
    max_fee: int
    max_priority_fee: int
    effective_gas_price: int
    type: int  # 2 or 3
    nonce: int
    blob_hashes: tuple[str, ...] = ()
    max_fee_per_blob_gas: int = 0
    is_payment: bool = False

    @property
    def blob_gas_used(self) -> int:
        return len(self.blob_hashes) * P.BLOB_GAS_PER_BLOB

    def raw(self, seed: int) -> str:
        return f"0x0{self.type}" + hex_bytes(96 + 32 * len(self.blob_hashes), seed, "raw-tx", self.hash)[2:]


@dataclass(frozen=True)
class ElBlock:
    slot: int
    number: int
    hash: str
    parent_hash: str
    timestamp: int
    miner: str  # = execution_payload.fee_recipient
    base_fee: int  # wei
    gas_limit: int
    txs: tuple[Tx, ...]
    excess_blob_gas: int
    blob_gas_price: int
    extra_data: str
    mev_boost: bool
    builder: int | None
    relay_value: int | None  # the bid value the relays report (wei)
    proposer_fee_recipient: str  # who the proposer is paid at (relay field; miner for local blocks)
    paid: int  # wei actually paid to proposer_fee_recipient by the payment tx (0 if none / local)

    @property
    def gas_used(self) -> int:
        return sum(t.gas_used for t in self.txs)

    @property
    def blob_gas_used(self) -> int:
        return sum(t.blob_gas_used for t in self.txs)

    @property
    def priority_fees(self) -> int:
        """Sum of (effectiveGasPrice - baseFeePerGas) * gasUsed: to the miner (wei)."""
        return sum((t.effective_gas_price - self.base_fee) * t.gas_used for t in self.txs)

    @property
    def payment_tx(self) -> Tx | None:
        return next((t for t in self.txs if t.is_payment), None)


def fake_exponential(factor: int, numerator: int, denominator: int) -> int:
    i, output, accum = 1, 0, factor * denominator
    while accum > 0:
        output += accum
        accum = (accum * numerator) // (denominator * i)
        i += 1
    return output // denominator


class PayloadBuilder:
    def __init__(self, model):
        self.m = model
        self.seed = model.params.seed
        self._cache: dict[int, ElBlock] = {}
        self.unexpected_recipient = eth_address(self.seed, "unexpected-fee-recipient")

    def builder_pubkey(self, b: int) -> str:
        return bls_pubkey(self.seed, "builder", b)

    def builder_address(self, b: int) -> str:
        return eth_address(self.seed, "builder", b)

    def genesis_hash(self) -> str:
        return self.m.el_block_hash(0)

    def block(self, slot: int) -> ElBlock | None:
        m = self.m
        found = self._cache.get(slot)
        if found is not None:
            return found
        if not m.block_produced(slot):
            return None
        number = m.block_number(slot)
        parent_slot = m.slot_of_block_number(number - 1)
        h = h64(self.seed, "el-payload", slot)
        base_fee = (2 + h % 24) * P.WEI_PER_GWEI + (h >> 8) % P.WEI_PER_GWEI
        excess = ((h >> 40) % 24) * P.BLOB_GAS_PER_BLOB
        blob_price = fake_exponential(P.MIN_BASE_FEE_PER_BLOB_GAS, excess, P.BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE)
        txs: list[Tx] = []
        fewest, most = m.params.transactions_per_block
        for j in range(fewest + h % (most - fewest + 1)):
            r = mix(h, j)
            blobs = 1 + (r >> 44) % 3 if (r >> 40) % 10 == 0 else 0
            gas_used = 21_000 if (r >> 20) % 4 == 0 else 21_000 + r % 280_000
            tip = (r >> 24) % (3 * P.WEI_PER_GWEI)
            tx_hash = eth_hash(self.seed, "tx", slot, j)
            txs.append(Tx(
                index=j, hash=tx_hash, sender=eth_address(self.seed, "sender", (r >> 8) % 997),
                to=eth_address(self.seed, "contract", (r >> 18) % 61), value=(r >> 30) % 10**17,
                gas=gas_used + 10_000, gas_used=gas_used, max_fee=base_fee * 2 + tip, max_priority_fee=tip,
                effective_gas_price=base_fee + tip, type=3 if blobs else 2, nonce=(r >> 50) % 5000,
                blob_hashes=tuple("0x01" + eth_hash(self.seed, "blob", tx_hash, k)[4:] for k in range(blobs)),
                max_fee_per_blob_gas=blob_price * 2 if blobs else 0,
            ))
        proposer = m.proposer(slot)
        recipient = m.expected_fee_recipient(proposer)
        anomalies = m.events
        mev = m.is_mev_boost(slot)
        builder = relay_value = None
        paid = 0
        if mev:
            builder = h % len(BUILDERS)
            miner = self.builder_address(builder)
            extra = "0x" + BUILDERS[builder].encode().hex()
            fees = sum(t.max_priority_fee * t.gas_used for t in txs)
            relay_value = fees * (80 + (h >> 16) % 18) // 100 + (h >> 24) % (4 * 10**16)
            if slot == anomalies.mev_unexpected_recipient_slot:
                recipient = self.unexpected_recipient
            paid = relay_value
            if slot == anomalies.mev_underpaid_slot:
                paid = relay_value * 9 // 10
            if slot != anomalies.mev_payment_missing_slot and slot != anomalies.unconfigured_unpaid_slot:
                txs.append(Tx(
                    index=len(txs), hash=eth_hash(self.seed, "payment-tx", slot), sender=miner, to=recipient,
                    value=paid, gas=21_000, gas_used=21_000, max_fee=base_fee * 2, max_priority_fee=0,
                    effective_gas_price=base_fee, type=2, nonce=number, is_payment=True))
            else:
                paid = 0
        else:
            miner = recipient
            extra = "0x" + LOCAL_EXTRA.encode().hex()
        block = ElBlock(
            slot=slot, number=number, hash=m.el_block_hash(slot), parent_hash=m.el_block_hash(parent_slot),
            timestamp=m.slot_time(slot), miner=miner, base_fee=base_fee, gas_limit=P.GAS_LIMIT, txs=tuple(txs),
            excess_blob_gas=excess, blob_gas_price=blob_price, extra_data=extra, mev_boost=mev, builder=builder,
            relay_value=relay_value, proposer_fee_recipient=recipient, paid=paid,
        )
        if len(self._cache) > 20_000:
            self._cache.clear()
        self._cache[slot] = block
        return block

    # ------------------------------------------------------------ income views (wei)
    def local_priority_fees(self, slot: int) -> int:
        """Priority fees the proposer earned from a locally built block (0 for MEV-Boost/missed)."""
        block = self.block(slot)
        return block.priority_fees if block is not None and not block.mev_boost else 0

    def mev_paid(self, slot: int) -> int:
        """Wei the MEV-Boost block actually paid to its proposer_fee_recipient."""
        block = self.block(slot)
        return block.paid if block is not None and block.mev_boost else 0

    def relay_value(self, slot: int, relay: str) -> int | None:
        """The value one relay reports for the block: the bid, except at the planted disagreement,
        where the last of the delivering relays reports 3 % less."""
        block = self.block(slot)
        if block is None or not block.mev_boost:
            return None
        relays = self.m.relays_for(slot)
        if slot == self.m.events.relay_disagreement_slot and relay == relays[-1]:
            return block.relay_value * 97 // 100
        return block.relay_value

    def bid_trace(self, slot: int, relay: str | None = None) -> dict | None:
        """BidTraceV2 as `relay` serves it (decimal strings); None: the bid itself."""
        block = self.block(slot)
        if block is None or not block.mev_boost:
            return None
        value = block.relay_value if relay is None else self.relay_value(slot, relay)
        return {
            "slot": str(slot),
            "parent_hash": block.parent_hash,
            "block_hash": block.hash,
            "builder_pubkey": self.builder_pubkey(block.builder),
            "proposer_pubkey": self.m.pubkey(self.m.proposer(slot)),
            "proposer_fee_recipient": block.proposer_fee_recipient,
            "gas_limit": str(block.gas_limit),
            "gas_used": str(block.gas_used),
            "value": str(value),
            "block_number": str(block.number),
            "num_tx": str(len(block.txs)),
        }
