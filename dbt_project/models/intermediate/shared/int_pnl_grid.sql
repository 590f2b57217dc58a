-- A table (it reads both chains: see int_periods_expected for why that matters), rebuilt by
-- period: only the periods queued for it (macros/period_queue.sql), its Ethereum days read through
-- views restricted to them (macros/build_period_restriction.sql).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns',
          pre_hook=["{{ restrict_views_to_build_periods() }}", "{{ delete_queued_periods() }}"],
          post_hook=["{{ consume_period_queue() }}"]) }}
{%- set build_periods = queued_periods(watch_inputs=true) %}

-- The expected P&L rows: (chain, validator, period) from the periods the warehouse must hold
-- (int_periods_expected) and each validator's active range, never from whatever data arrived.
-- Solana: every tracked vote account (operators.yaml) in every expected epoch; network-wide,
-- every vote account a load asked about, and for an epoch nothing was loaded for, the vote
-- accounts of the snapshot nearest to it. Ethereum: int_ethereum__validator_days_listed.
with

periods as (

    select * from {{ ref('int_periods_expected') }}
    where {{ in_queued_periods(build_periods) }}

),

chains as (

    select * from {{ ref('chains') }}

),

tracked as (

    select chain, validator from {{ ref('operator_validators') }}

),

solana_tracked as (

    select periods.chain, tracked.validator as validator_key, periods.period_id, periods.period_seq
    from periods
    join chains on chains.chain = periods.chain and chains.family = 'solana'
    join tracked on tracked.chain = periods.chain

),

solana_listed as (

    select listed.chain, listed.vote_pubkey as validator_key, listed.epoch::text as period_id, listed.epoch::bigint as period_seq
    from {{ ref('int_solana__validator_epochs_listed') }} as listed
    join periods on periods.chain = listed.chain and periods.period_seq = listed.epoch
    where not exists (select 1 from tracked where tracked.chain = listed.chain)

),

solana_unlisted as (

    select periods.chain, snapshots.vote_pubkey as validator_key, periods.period_id, periods.period_seq
    from periods
    join chains on chains.chain = periods.chain and chains.family = 'solana'
    join lateral (
        select s.snapshot_epoch
        from {{ ref('stg_solana__vote_accounts') }} as s
        where s.chain = periods.chain
        order by abs(s.snapshot_epoch - periods.period_seq), s.snapshot_epoch
        limit 1
    ) as nearest on true
    join {{ ref('stg_solana__vote_accounts') }} as snapshots
        on snapshots.chain = periods.chain and snapshots.snapshot_epoch = nearest.snapshot_epoch
    where not exists (select 1 from tracked where tracked.chain = periods.chain)
      and not exists (select 1 from solana_listed where solana_listed.chain = periods.chain and solana_listed.period_seq = periods.period_seq)

),

ethereum as (

    select chain, validator_index::text as validator_key, day::text as period_id, period_seq
    from {{ ref('int_ethereum__validator_days_listed') }}
    where {{ in_queued_periods(build_periods) }}

),

grid as (

    select * from solana_tracked
    union
    select * from solana_listed
    union
    select * from solana_unlisted
    -- Ethereum's rows are distinct already (int_ethereum__validator_days_listed) and of other
    -- chains: appended, not hashed with the rest (a million validators a day, network-wide)
    union all
    select * from ethereum

)

select
    grid.chain,
    grid.validator_key,
    grid.period_id,
    grid.period_seq,
    periods.period_type,
    periods.is_loaded

from grid
join periods on periods.chain = grid.chain and periods.period_seq = grid.period_seq
