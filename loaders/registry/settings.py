"""Where the registry lands, and the column types dlt must not guess."""

DATASET = "raw_registry"
PIPELINE = "aurora_registry"

CHAIN_COLUMNS = {
    "chain": {"data_type": "text", "nullable": False, "primary_key": True},
    "slot_seconds": {"data_type": "decimal", "precision": 12, "scale": 6},
    "genesis_time": {"data_type": "timestamp"},
    "consensus_unit": {"data_type": "text", "nullable": True},
    "consensus_decimals": {"data_type": "bigint", "nullable": True},
    "price_id": {"data_type": "text", "nullable": True},
    "vote_credits_per_vote": {"data_type": "bigint", "nullable": True},
    "lamports_per_signature": {"data_type": "bigint", "nullable": True},
    "start": {"data_type": "text", "nullable": True},  # an epoch number or an ISO day
}
PROVIDER_COLUMNS = {
    "provider": {"data_type": "text", "nullable": False, "primary_key": True},
    "requests_per_second": {"data_type": "decimal", "precision": 12, "scale": 4},
    "timeout_seconds": {"data_type": "decimal", "precision": 12, "scale": 4},
    "api_key_env": {"data_type": "text", "nullable": True},
    "api_key_header": {"data_type": "text", "nullable": True},
    "api_key_param": {"data_type": "text", "nullable": True},
}
MAPPING_COLUMNS = {
    "chain": {"data_type": "text", "nullable": False},
    "role": {"data_type": "text", "nullable": False},
    "provider": {"data_type": "text", "nullable": False},
    "priority": {"data_type": "bigint", "nullable": False},
}
OPERATOR_COLUMNS = {
    "operator": {"data_type": "text", "nullable": False},
    "display_name": {"data_type": "text", "nullable": False},
}
OPERATOR_VALIDATOR_COLUMNS = {
    "operator": {"data_type": "text", "nullable": False},
    "chain": {"data_type": "text", "nullable": False},
    "validator": {"data_type": "text", "nullable": False},
}
OPERATOR_FEE_RECIPIENT_COLUMNS = {
    "operator": {"data_type": "text", "nullable": False},
    "chain": {"data_type": "text", "nullable": False},
    "address": {"data_type": "text", "nullable": False},
}
