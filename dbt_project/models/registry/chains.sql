select
    chain,
    family,
    display_name,
    period_type,
    native_symbol,
    base_unit,
    decimals,
    consensus_unit,
    consensus_decimals,
    slots_per_epoch,
    slot_seconds,
    genesis_time,
    finality_lag,
    price_id,
    vote_credits_per_vote,
    lamports_per_signature

from {{ ref('stg_registry__chains') }}
