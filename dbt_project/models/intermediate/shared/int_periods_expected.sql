-- A table, like the other models here that read both chains: a table keeps no dependency on the
-- views it reads, so replacing those never cascades into it (macros/materialize_view.sql says
-- why cascades matter). Nothing chain-specific reads these tables.
{{ config(materialized='table') }}

-- Every period the warehouse must hold, per chain: the operator's schedule (from its start to
-- the last complete period at the latest run, loaders/progress.py) and every period a run
-- loaded or tried to load (an explicit range, a failure recorded as a rejection). A period is
-- loaded once a dlt load of it completed; an expected period that is not says not_loaded.
with

solana_schedules as (

    select chain, start_seq, last_complete_seq from {{ ref('stg_solana__schedules') }}

),

solana as (

    select solana_schedules.chain, series.period_seq, false as is_loaded
    from solana_schedules
    cross join lateral generate_series(solana_schedules.start_seq, solana_schedules.last_complete_seq) as series(period_seq)
    union all
    select chain, period_seq, true from {{ ref('stg_solana__period_loads') }}
    union all
    -- loads from before period_loads existed
    select distinct chain, epoch::bigint, true from {{ ref('stg_solana__inflation_rewards') }}
    union all
    select chain, period_id::bigint, false
    from {{ ref('stg_solana__rejected_items') }} where is_open and period_id ~ '^[0-9]+$'

),

periods as (

    select chain, period_seq, bool_or(is_loaded) as is_loaded
    from solana
    group by chain, period_seq
    union all
    select chain, period_seq, is_loaded from {{ ref('int_ethereum__days_expected') }}

)

select
    periods.chain,
    chains.period_type,
    case when chains.period_type = 'day' then (date '1970-01-01' + periods.period_seq::integer)::text
         else periods.period_seq::text end as period_id,
    periods.period_seq,
    periods.is_loaded

from periods
join {{ ref('chains') }} as chains on chains.chain = periods.chain
