-- The UTC days the warehouse must hold for Ethereum: the operator's schedule (from its start to
-- the last complete day at the latest run, loaders/progress.py), and every day a run loaded or
-- tried to load; with the day's last epoch (from its window, else from the chain's clock) and
-- whether a load of it completed. Ethereum sources only: see int_periods_expected.
with

schedules as (

    select chain, start_seq, last_complete_seq from {{ ref('stg_ethereum__schedules') }}

),

days as (

    select schedules.chain, series.period_seq, false as is_loaded
    from schedules
    cross join lateral generate_series(schedules.start_seq, schedules.last_complete_seq) as series(period_seq)
    union all
    select chain, period_seq, true from {{ ref('stg_ethereum__period_loads') }}
    union all
    -- loads from before period_loads existed
    select chain, period_seq, true from {{ ref('stg_ethereum__day_windows') }}
    union all
    select chain, (period_id::date - date '1970-01-01')::bigint, false
    from {{ ref('stg_ethereum__rejected_items') }} where is_open and period_id ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'

),

expected as (

    select chain, period_seq, bool_or(is_loaded) as is_loaded
    from days
    group by chain, period_seq

)

select
    expected.chain,
    (date '1970-01-01' + expected.period_seq::integer) as day,
    expected.period_seq,
    expected.is_loaded,
    windows.start_state_slot,
    windows.end_state_slot,
    -- The epoch starting last in the day: (midnight ending it - genesis) / epoch seconds.
    coalesce(windows.last_epoch, ceil(extract(epoch from
        ((date '1970-01-01' + expected.period_seq::integer + 1)::timestamp at time zone 'UTC') - chains.genesis_time)
        / (chains.slot_seconds * chains.slots_per_epoch))::bigint - 1) as last_epoch

from expected
join {{ ref('chains') }} as chains on chains.chain = expected.chain
left join {{ ref('stg_ethereum__day_windows') }} as windows
    on windows.chain = expected.chain and windows.period_seq = expected.period_seq
