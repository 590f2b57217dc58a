{{ config(unique_key=['chain', 'period_id'], indexes=[{'columns': ['chain', 'period_seq']}]) }}

with

build_periods as (

    {{ lookback_periods([ref('stg_solana__inflation_rewards'), ref('stg_solana__epoch_boundaries'), [ref('stg_ethereum__day_windows'), 'period_seq']], 'epoch') }}

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

),

ethereum as (

    select
        d.chain,
        'day'::text as period_type,
        d.day::text as period_id,
        d.period_seq,
        d.day::timestamp at time zone 'UTC' as period_start,
        (d.day + 1)::timestamp at time zone 'UTC' as period_end,
        d.first_slot::bigint as start_slot,
        d.last_slot::bigint as end_slot,
        d.first_epoch::bigint as first_epoch,
        d.last_epoch::bigint as last_epoch,
        d.is_final,
        d.load_id as source_load_id

    from {{ ref('int_ethereum__days_listed') }} as d
    join build_periods as b on b.chain = d.chain and b.period_seq = d.period_seq

)

select * from solana
union all
select * from ethereum
