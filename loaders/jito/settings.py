"""Jito kobe API settings."""

VALIDATORS_PATH = "/api/v1/validators"
TABLE = "jito_validators"
PRIMARY_KEY = ("chain", "epoch", "vote_account")
LAMPORTS = {"data_type": "decimal", "precision": 38, "scale": 0}
COLUMNS = {
    "chain": {"data_type": "text", "nullable": False},
    "epoch": {"data_type": "bigint", "nullable": False},
    "vote_account": {"data_type": "text", "nullable": False},
    "identity_account": {"data_type": "text", "nullable": True},
    "running_jito": {"data_type": "bool", "nullable": True},
    "mev_commission_bps": {"data_type": "bigint", "nullable": True},
    "mev_rewards": {**LAMPORTS, "nullable": True},
    "priority_fee_commission_bps": {"data_type": "bigint", "nullable": True},
    "priority_fee_rewards": {**LAMPORTS, "nullable": True},
    "active_stake": {**LAMPORTS, "nullable": True},
    "response_id": {"data_type": "text", "nullable": True},
}

# Per epoch: how many validators kobe listed and how many showed MEV. kobe reports MEV as 0 until
# the epoch's merkle roots are uploaded; an epoch with MEV for anyone is being settled.
EPOCHS_TABLE = "jito_epochs"
EPOCHS_PRIMARY_KEY = ("chain", "epoch")
EPOCHS_COLUMNS = {
    "chain": {"data_type": "text", "nullable": False},
    "epoch": {"data_type": "bigint", "nullable": False},
    "validators_listed": {"data_type": "bigint", "nullable": False},
    "validators_with_mev": {"data_type": "bigint", "nullable": False},
    "response_id": {"data_type": "text", "nullable": True},
}
