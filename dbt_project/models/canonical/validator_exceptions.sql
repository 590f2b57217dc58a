{{ config(
    unique_key=['chain', 'period_id', 'validator_key', 'kind', 'reference'],
    incremental_strategy='delete+insert',
    indexes=[{'columns': ['chain', 'validator_key', 'period_id']}, {'columns': ['chain', 'period_seq']}],
    pre_hook=["{{ delete_rebuilt_periods([[ref('stg_ethereum__day_windows'), 'period_seq']], 'period_seq') }}",
              "set local enable_nestloop = off"],
) }}

-- No nested loops in this model's transaction (as validator_meta): the Ethereum views it reads
-- (whole-day joins on keys cast to text in staging, whose statistics it cannot see) are estimated
-- at one row, and the planner nested loops over them, each loop scanning the whole day: a
-- network-wide day's cost grew with the square of the validators (23.2 s → 0.21 s at 2,000
-- validators x 1 day in EXPLAIN ANALYZE, nested loops on vs off; docs/operations.md).

-- Flagged, never booked: balance residuals (slashings) and MEV claims the blocks do not bear
-- out. `reference` is the slot, slot:relay for one relay's claim, or 'day' for a whole-day
-- residual. Periods are rebuilt whole: the pre-hook deletes every exception of each period about
-- to be rebuilt (delete by period, macros/lookback_periods.sql), so an exception that a
-- restatement explains disappears.
-- The balance residuals are read from canonical.balance_reconciliations, built just before in the
-- same build for the same periods (the same lookback over the day windows), not from the balance
-- check again: it is the most expensive view of the day (at 200,000 validators x 1 day the two
-- models that each computed it took 37.1 and 29.9 s of the build).
with

build_periods as (

    {{ lookback_periods([[ref('stg_ethereum__day_windows'), 'period_seq']], 'period_seq') }}

),

residuals as (

    select
        r.chain,
        r.validator_key,
        r.period_id,
        r.period_seq,
        case when r.is_slashed_in_day then 'slashing' else 'balance_residual' end as kind,
        'day' as reference,
        null::bigint as slot,
        0::numeric as expected_base_units,
        r.residual_base_units as actual_base_units,
        case
            when r.is_slashed_in_day then 'slashed: the penalty is not in the rewards endpoints; the residual is the balance it cost'
            else 'the balance changed by more or less than rewards and principal moves explain'
        end as reason,
        r.source_load_id

    from {{ ref('balance_reconciliations') }} as r
    join build_periods as b on b.chain = r.chain and b.period_seq = r.period_seq
    where r.is_checkable and r.residual_base_units <> 0

),

ethereum as (

    select
        e.chain,
        e.validator_index::text as validator_key,
        e.day::text as period_id,
        e.period_seq,
        e.kind,
        coalesce(e.reference, e.slot::text, 'day') as reference,
        e.slot::bigint as slot,
        e.expected_wei as expected_base_units,
        e.actual_wei as actual_base_units,
        e.reason,
        coalesce(e.load_id, 0) as source_load_id

    from {{ ref('int_ethereum__exceptions_listed') }} as e
    join build_periods as b on b.chain = e.chain and b.period_seq = e.period_seq

)

select * from residuals
union all
select * from ethereum
