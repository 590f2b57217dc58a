-- Every period the warehouse must hold, per chain: the operator's schedule (from its start to
-- the last complete period at the latest run, loaders/progress.py) and every period a run
-- loaded or tried to load (an explicit range, a failure recorded as a rejection). A period is
-- loaded once a dlt load of it completed; an expected period that is not says not_loaded.
with

schedules as (

    select chain, start_seq, last_complete_seq from {{ ref('stg_solana__schedules') }}
    union all
    select chain, start_seq, last_complete_seq from {{ ref('stg_ethereum__schedules') }}

),

scheduled as (

    select schedules.chain, series.period_seq, false as is_loaded
    from schedules
    cross join lateral generate_series(schedules.start_seq, schedules.last_complete_seq) as series(period_seq)

),

loaded as (

    select chain, period_seq, true as is_loaded from {{ ref('stg_solana__period_loads') }}
    union all
    -- loads from before period_loads existed
    select distinct chain, epoch::bigint, true from {{ ref('stg_solana__inflation_rewards') }}
    union all
    select chain, period_seq, true from {{ ref('stg_ethereum__period_loads') }}
    union all
    select chain, period_seq, true from {{ ref('stg_ethereum__day_windows') }}

),

tried as (

    select chain, period_id::bigint as period_seq, false as is_loaded
    from {{ ref('stg_solana__rejected_items') }} where is_open and period_id ~ '^[0-9]+$'
    union all
    select chain, (period_id::date - date '1970-01-01')::bigint, false
    from {{ ref('stg_ethereum__rejected_items') }} where is_open and period_id ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'

),

periods as (

    select chain, period_seq, bool_or(is_loaded) as is_loaded
    from (select * from scheduled union all select * from loaded union all select * from tried) as any_period
    group by chain, period_seq

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
