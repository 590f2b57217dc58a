-- The operator's cost lines (registry.cost_lines), allocated to days and validators, in integer
-- cost units: micro-USD for a USD line, base units (lamports, wei) for a line in the chain's token.
--   monthly            the month's amount spread evenly over the month's days (largest remainder),
--                      booked on the days of [from, to] that Aurora has loaded for the chain;
--   one_off            on its date;
--   both then split evenly between the line's validators that have a P&L row that day (largest
--   remainder, ties to the lower validator key); a day with none is booked unallocated
--   (validator_key null), still the operator's cost;
--   per_validator_day  the amount for each of the line's validators on each loaded day in range;
--   per_epoch          the amount for each of the line's validators and each epoch starting in
--                      range (an Ethereum day counts its beacon epochs), apportioned to the epoch's
--                      days like its income (by time).
with

lines as (

    select
        lines.*,
        -- Whole units: books.yaml allows no more decimals than the unit has.
        trim_scale(case when lines.currency = 'USD' then lines.amount * 1000000
             else lines.amount * power(10::numeric, chains.decimals) end) as units,
        lines.currency = 'USD' as is_usd

    from {{ ref('cost_lines') }} as lines
    join {{ ref('chains') }} as chains on chains.chain = lines.chain

),

scope as (

    select distinct scope.operator, scope.cost_line, scope.chain, keys.validator_key
    from {{ ref('cost_line_validators') }} as scope
    join {{ ref('int_books__validator_keys_resolved') }} as keys
        on keys.chain = scope.chain and keys.validator = scope.validator

),

periods as (

    -- One row per validator, period and day piece, with the piece's time weight: the validators
    -- a cost line names only (every other piece joins no line; reading all history's pieces cost
    -- each finance mart half a second at 20,000 validators x 16 days, with no cost line at all).
    select chain, validator_key, period_id, period_seq, day, day_weight,
        min(day) over (partition by chain, validator_key, period_id) as period_first_day
    from {{ ref('int_books__validator_days_apportioned') }}
    where component = 'issuance'
      and (chain, validator_key) in (select chain, validator_key from scope)

),

active_days as (

    select distinct chain, validator_key, day from periods

),

chain_days as (

    -- the days any validator of the chain was loaded: the range a monthly line is spread over
    select chain, min(day) as first_day, max(day) as last_day
    from {{ ref('int_books__chain_period_days') }}
    where chain in (select chain from lines where kind = 'monthly')
    group by chain

),

epochs_per_period as (

    select
        chain,
        period_id,
        case when period_type = 'day' then last_epoch - first_epoch + 1 else 1 end as epochs
    from {{ ref('periods') }}

),

monthly_days as (

    select
        lines.operator,
        lines.cost_line,
        lines.chain,
        lines.units,
        lines.effective_from,
        coalesce(lines.effective_to, chain_days.last_day) as effective_to,
        chain_days.first_day,
        chain_days.last_day,
        months.month_start,
        months.month_start + n as day,
        1 as weight

    from lines
    join chain_days on chain_days.chain = lines.chain
    cross join lateral (
        select (date_trunc('month', greatest(lines.effective_from, chain_days.first_day)) + k * interval '1 month')::date as month_start
        from generate_series(
            0,
            (extract(year from least(coalesce(lines.effective_to, chain_days.last_day), chain_days.last_day))::int * 12
                + extract(month from least(coalesce(lines.effective_to, chain_days.last_day), chain_days.last_day))::int)
            - (extract(year from greatest(lines.effective_from, chain_days.first_day))::int * 12
                + extract(month from greatest(lines.effective_from, chain_days.first_day))::int)
        ) as k
    ) as months
    cross join lateral generate_series(
        0, ((months.month_start + interval '1 month')::date - months.month_start) - 1
    ) as n
    where lines.kind = 'monthly'

),

monthly_split as (

    {{ largest_remainder('monthly_days', 'operator, cost_line, month_start', 'units', 'weight', 'day') }}

),

day_amounts as (

    select operator, cost_line, chain, day, allocated as units
    from monthly_split
    where day between effective_from and effective_to
      and day between first_day and last_day

    union all

    select operator, cost_line, chain, effective_from, units
    from lines
    where kind = 'one_off'

),

day_shares as (

    select
        day_amounts.*,
        active.validator_key,
        1 as weight

    from day_amounts
    left join (
        select scope.operator, scope.cost_line, active_days.validator_key, active_days.day
        from scope
        join active_days on active_days.chain = scope.chain and active_days.validator_key = scope.validator_key
    ) as active
        on active.operator = day_amounts.operator
        and active.cost_line = day_amounts.cost_line
        and active.day = day_amounts.day

),

day_split as (

    {{ largest_remainder('day_shares', 'operator, cost_line, day', 'units', 'weight', 'validator_key') }}

),

per_validator_day as (

    select lines.operator, lines.cost_line, lines.chain, active_days.day, active_days.validator_key, lines.units
    from lines
    join scope on scope.operator = lines.operator and scope.cost_line = lines.cost_line
    join active_days on active_days.chain = scope.chain and active_days.validator_key = scope.validator_key
    where lines.kind = 'per_validator_day'
      and active_days.day >= lines.effective_from
      and (lines.effective_to is null or active_days.day <= lines.effective_to)

),

per_epoch_pieces as (

    select
        lines.operator,
        lines.cost_line,
        lines.chain,
        periods.validator_key,
        periods.period_id,
        periods.day,
        periods.day_weight,
        lines.units * coalesce(epochs_per_period.epochs, 1) as units

    from lines
    join scope on scope.operator = lines.operator and scope.cost_line = lines.cost_line
    join periods on periods.chain = scope.chain and periods.validator_key = scope.validator_key
    left join epochs_per_period on epochs_per_period.chain = periods.chain and epochs_per_period.period_id = periods.period_id
    where lines.kind = 'per_epoch'
      and periods.period_first_day >= lines.effective_from
      and (lines.effective_to is null or periods.period_first_day <= lines.effective_to)

),

per_epoch_split as (

    {{ largest_remainder('per_epoch_pieces', 'operator, cost_line, validator_key, period_id', 'units', 'day_weight', 'day') }}

),

allocated as (

    select operator, cost_line, chain, day, validator_key, allocated as cost_units from day_split
    union all
    select operator, cost_line, chain, day, validator_key, units from per_validator_day
    union all
    select operator, cost_line, chain, day, validator_key, allocated from per_epoch_split

)

select
    allocated.operator,
    allocated.cost_line,
    allocated.chain,
    lines.kind,
    lines.currency,
    lines.is_usd,
    allocated.day,
    allocated.validator_key,
    sum(allocated.cost_units) as cost_units

from allocated
join lines on lines.operator = allocated.operator and lines.cost_line = allocated.cost_line
group by allocated.operator, allocated.cost_line, allocated.chain, lines.kind, lines.currency, lines.is_usd,
    allocated.day, allocated.validator_key
