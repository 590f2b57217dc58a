{{ config(materialized='incremental', unique_key=['chain', 'validator_key', 'period_id'], incremental_strategy='merge', on_schema_change='fail') }}

-- MEV per validator and period. Solana: Jito tips, validator share floor(mev x bps / 10000), and
-- the stakers' part of priority fees shared through Jito's distribution program.
with

build_periods as (

    {{ lookback_periods([ref('stg_jito__validators')], 'epoch') }}

),

solana as (

    select
        j.chain,
        j.vote_pubkey as validator_key,
        j.epoch::text as period_id,
        j.epoch::bigint as period_seq,
        coalesce(j.is_running_jito, false) as is_running_mev,
        j.mev_rewards_lamports::numeric as mev_gross_base_units,
        j.mev_commission_bps::integer as mev_commission_bps,
        j.mev_lamports::numeric as mev_base_units,
        j.priority_fee_rewards_lamports::numeric as priority_fee_rewards_base_units,
        j.priority_fee_commission_bps::integer as priority_fee_commission_bps,
        j.priority_fee_sharing_lamports::numeric as priority_fee_sharing_base_units,
        j.load_id::numeric as source_load_id

    from {{ ref('int_solana__mev_rewards_split') }} as j
    join build_periods as b on b.chain = j.chain and b.period_seq = j.epoch

)

select * from solana
