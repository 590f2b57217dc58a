{{ config(materialized='incremental', unique_key=['chain', 'period_id'], incremental_strategy='merge', on_schema_change='fail') }}

with

build_periods as (

    {{ lookback_periods([ref('stg_solana__inflation_rewards'), ref('stg_solana__epoch_boundaries')], 'epoch') }}

),

solana as (

    select
        p.chain,
        'epoch'::text as period_type,
        p.epoch::text as period_id,
        p.epoch::bigint as period_seq,
        p.start_time as period_start,
        p.end_time as period_end,
        p.first_slot::bigint as start_slot,
        p.last_slot::bigint as end_slot,
        p.epoch::bigint as first_epoch,
        p.epoch::bigint as last_epoch,
        p.is_final,
        p.load_id as source_load_id

    from {{ ref('int_solana__periods_bounded') }} as p
    join build_periods as b on b.chain = p.chain and b.period_seq = p.epoch

)

select * from solana
