"""Parameters of the simulated Ethereum network, and the protocol constants it uses.

The defaults are deliberately unlike mainnet: 8 slots of 192 s per epoch give 56.25 epochs and
450 slots per UTC day, so epochs straddle midnight and day attribution is exercised with a small
number of epochs. Every amount is in gwei unless the name says wei.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

GWEI_PER_ETH = 10**9
WEI_PER_GWEI = 10**9
FAR_FUTURE_EPOCH = 2**64 - 1

# consensus-specs constants (Altair..Electra) the model follows
WEIGHT_DENOMINATOR = 64
TIMELY_SOURCE_WEIGHT = 14
TIMELY_TARGET_WEIGHT = 26
TIMELY_HEAD_WEIGHT = 14
SYNC_REWARD_WEIGHT = 2
PROPOSER_WEIGHT = 8
MIN_ACTIVATION_BALANCE = 32 * GWEI_PER_ETH
MAX_EFFECTIVE_BALANCE_ELECTRA = 2048 * GWEI_PER_ETH
EFFECTIVE_BALANCE_INCREMENT = GWEI_PER_ETH
MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA = 4096
WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA = 4096
MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP = 16384
MAX_PENDING_DEPOSITS_PER_EPOCH = 16
MAX_PENDING_PARTIALS_PER_WITHDRAWALS_SWEEP = 8
# Churn (Electra get_balance_churn_limit / get_activation_exit_churn_limit /
# get_consolidation_churn_limit). Mainnet's total stake makes the balance churn ~500 ETH an
# epoch; the simulated network's 64 validators would get the 128 ETH floor and, with mainnet's
# 256 ETH activation/exit cap, no consolidation churn at all (every consolidation request would be
# ignored). So the cap is scaled down: activation/exit churn 64 ETH, consolidation churn 64 ETH.
MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA = 128 * GWEI_PER_ETH
MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT = 64 * GWEI_PER_ETH
ACTIVATION_EXIT_CHURN_LIMIT = min(MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT, MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA)
CONSOLIDATION_CHURN_LIMIT = MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA - ACTIVATION_EXIT_CHURN_LIMIT
EPOCHS_PER_SLASHINGS_VECTOR = 8192
MAX_SEED_LOOKAHEAD = 4
SYNC_COMMITTEE_SUBNET_COUNT = 4
INACTIVITY_PENALTY_QUOTIENT_BELLATRIX = 2**24
# Shortened for the simulation (mainnet: 256 epochs) so a full withdrawal happens inside the window.
MIN_VALIDATOR_WITHDRAWABILITY_DELAY = 4
GAS_LIMIT = 36_000_000
BLOB_GAS_PER_BLOB = 131072
MIN_BASE_FEE_PER_BLOB_GAS = 1
BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE = 5007716

DEFAULT_GENESIS_TIME = int(datetime(2025, 1, 1, 12, 0, 23, tzinfo=timezone.utc).timestamp())
DEFAULT_WINDOW_DAYS = 3.3


@dataclass(frozen=True)
class EthereumParams:
    seed: int = 20250101
    validators: int = 64
    seconds_per_slot: int = 192
    slots_per_epoch: int = 8
    genesis_time: int = DEFAULT_GENESIS_TIME
    head_slot: int | None = None  # None: `window_slots` (~3.3 days after genesis)
    finality_lag_epochs: int = 2
    sync_committee_size: int = 8
    epochs_per_sync_committee_period: int = 16
    max_withdrawals_per_payload: int = 4
    # Ordinary transactions in an execution payload, fewest..most (mainnet: ~150-250 a block),
    # besides a MEV-Boost block's payment to the proposer.
    transactions_per_block: tuple[int, int] = (4, 14)
    archive: bool = False
    retention_epochs: int | None = None  # None: three days' worth of epochs
    relays: tuple[str, ...] = ("flashbots", "ultrasound", "agnostic")
    # Relays that deliver some blocks but are not served (not in the providers file Aurora gets).
    unconfigured_relays: tuple[str, ...] = ("titan",)
    chain_id: int = 1

    def __post_init__(self) -> None:
        if self.validators < 32:
            raise ValueError("the Ethereum simnet needs at least 32 validators (roles use indices below 32)")
        if self.slots_per_epoch < 2 or self.seconds_per_slot < 1:
            raise ValueError("slots_per_epoch must be >= 2 and seconds_per_slot >= 1")
        if self.sync_committee_size % SYNC_COMMITTEE_SUBNET_COUNT:
            raise ValueError(f"sync_committee_size must be a multiple of {SYNC_COMMITTEE_SUBNET_COUNT}")
        low, high = self.transactions_per_block
        if not 0 <= low <= high:
            raise ValueError("transactions_per_block must be (fewest, most) with 0 <= fewest <= most")
        if not self.relays:
            raise ValueError("at least one relay is needed")

    @property
    def seconds_per_epoch(self) -> int:
        return self.seconds_per_slot * self.slots_per_epoch

    @property
    def window_slots(self) -> int:
        """The span the planted events are placed in (independent of head_slot): ~3.3 days."""
        return int(DEFAULT_WINDOW_DAYS * 86400) // self.seconds_per_slot

    @property
    def initial_head_slot(self) -> int:
        return self.window_slots if self.head_slot is None else self.head_slot

    @property
    def retention(self) -> int:
        if self.retention_epochs is not None:
            return self.retention_epochs
        return -(-3 * 86400 // self.seconds_per_epoch)

    @property
    def base_reward_per_increment(self) -> int:
        """Gwei per 1 ETH of effective balance per epoch: mainnet's ~347 scaled to the epoch length,
        so APRs look like mainnet's whatever the slot timing (not derived from total stake)."""
        return max(1, round(347 * self.seconds_per_epoch / 384))
