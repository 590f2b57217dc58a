{{ config(materialized='incremental', unique_key=['chain', 'validator_key', 'period_id'], incremental_strategy='merge', on_schema_change='fail') }}

-- What each validator looked like in each period; its rows are the grid of the P&L mart.
with

build_periods as (

    {{ lookback_periods([
        ref('stg_solana__inflation_rewards'), [ref('stg_solana__vote_accounts'), 'snapshot_epoch'], ref('stg_jito__validators'),
        ref('stg_solana__blocks'), ref('stg_solana__block_production'), ref('stg_solana__leader_slots'),
        ref('stg_solana__epoch_credits')
    ], 'epoch') }}

),

solana as (

    select
        m.chain,
        m.vote_pubkey as validator_key,
        m.epoch::text as period_id,
        m.epoch::bigint as period_seq,
        m.identity_pubkey,
        m.commission_pct::numeric as commission_pct,
        m.is_running_jito as is_running_mev,
        m.mev_commission_bps::integer as mev_commission_bps,
        m.priority_fee_commission_bps::integer as priority_fee_commission_bps,
        m.active_stake_lamports::numeric as active_stake_base_units,
        m.is_delinquent,
        m.leader_slots::bigint as leader_slots,
        m.blocks_produced::bigint as blocks_produced,
        m.vote_credits::bigint as vote_credits,
        m.load_id as source_load_id

    from {{ ref('int_solana__validator_meta_joined') }} as m
    join build_periods as b on b.chain = m.chain and b.period_seq = m.epoch

)

select * from solana
