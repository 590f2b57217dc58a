{{ config(unique_key=['chain', 'validator_key', 'slot', 'kind', 'position'], period_merge_deletes=true, indexes=[{'columns': ['chain', 'period_seq']}], pre_hook=["set local enable_nestloop = off", "{{ restrict_views_to_build_periods() }}"]) }}

-- No nested loops in this model's transaction (as validator_meta): the Ethereum views it reads
-- (whole-day joins on keys cast to text in staging, whose statistics it cannot see) are estimated
-- at one row, and the planner nested loops over them, each loop scanning the whole day: a
-- network-wide day's cost grew with the square of the validators (7.7 s → 0.04 s at 2,000
-- validators x 1 day in EXPLAIN ANALYZE, nested loops on vs off; docs/operations.md).

-- Principal moves, never income, when the state moves them: deposits and top-ups (since Electra
-- when the deposit queue applies them), withdrawals (negative), consolidations (when the queue
-- processes them), and balance a switch to compounding queues and the queue gives back.
with

build_periods as (

    {{ lookback_periods([[ref('stg_ethereum__day_windows'), 'period_seq']], 'period_seq') }}

),

ethereum as (

    select
        f.chain,
        f.validator_index::text as validator_key,
        f.day::text as period_id,
        f.period_seq,
        f.slot::bigint as slot,
        f.kind,
        f.position::bigint as position,
        f.amount_wei as amount_base_units,
        f.load_id as source_load_id

    from {{ ref('int_ethereum__principal_flows_listed') }} as f
    join build_periods as b on b.chain = f.chain and b.period_seq = f.period_seq

)

select * from ethereum
