{{ config(materialized='incremental', unique_key=['chain', 'validator_key', 'period_id'], incremental_strategy='merge', on_schema_change='fail') }}

-- Issuance per validator and period. Solana: the vote account's inflation commission for the
-- epoch (getInflationReward), credited in the first block of the next epoch.
with

build_periods as (

    {{ lookback_periods([ref('stg_solana__inflation_rewards')], 'epoch') }}

),

solana as (

    select
        r.chain,
        r.vote_pubkey as validator_key,
        r.epoch::text as period_id,
        r.epoch::bigint as period_seq,
        r.amount_lamports::numeric as issuance_base_units,
        0::numeric as penalties_base_units,
        r.is_rewarded,
        r.commission_pct,
        r.effective_slot::bigint as paid_slot,
        r.response_id,
        r.load_id::numeric as source_load_id

    from {{ ref('stg_solana__inflation_rewards') }} as r
    join build_periods as b on b.chain = r.chain and b.period_seq = r.epoch

)

select * from solana
