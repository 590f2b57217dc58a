{{ config(materialized='incremental', unique_key=['chain', 'validator_key', 'period_id'], incremental_strategy='merge', on_schema_change='fail') }}

-- Block fee income per validator and period. Solana: the leader's Fee rewards in its produced
-- blocks (base fee 50% burned, priority fee 100% to the leader since SIMD-0096).
with

build_periods as (

    {{ lookback_periods([ref('stg_solana__inflation_rewards'), ref('stg_solana__blocks'), ref('stg_jito__validators'), [ref('stg_solana__vote_accounts'), 'snapshot_epoch']], 'epoch') }}

),

solana as (

    select
        f.chain,
        f.vote_pubkey as validator_key,
        f.epoch::text as period_id,
        f.epoch::bigint as period_seq,
        f.block_fees_lamports::numeric as block_fees_base_units,
        f.base_fees_lamports::numeric as base_fees_base_units,
        f.priority_fees_lamports::numeric as priority_fees_base_units,
        f.leader_slots_fetched::bigint as leader_slots_fetched,
        f.blocks_produced::bigint as blocks_produced,
        f.blocks_skipped::bigint as blocks_skipped,
        coalesce(f.load_id, 0) as source_load_id

    from {{ ref('int_solana__block_fees_summed') }} as f
    join build_periods as b on b.chain = f.chain and b.period_seq = f.epoch

)

select * from solana
