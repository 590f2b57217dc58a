-- A table, not a view: the finance marts and the income events each read it several times.
-- Rebuilt by period, with the rows of marts.fct_validator_pnl it cuts (macros/period_queue.sql).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns',
          pre_hook=["{{ delete_queued_periods() }}"], post_hook=["{{ consume_period_queue() }}"]) }}
{%- set build_periods = queued_periods() %}
{%- set piece_columns = 'chain, validator_key, operator, period_id, period_seq, day, component, day_weight, piece_from, piece_to, is_time_estimated, is_final, has_data_gaps, data_gaps' %}

-- Every validator row of marts.fct_validator_pnl, cut into UTC days and into its components (long
-- form: one row per period, day and component). An Ethereum day is one piece. A Solana epoch is
-- apportioned to the days it overlaps by time: each day's weight is the microseconds of the
-- epoch (period_start..period_end, the times of its first and last blocks) that fall in it, and
-- each component is split by those weights with the largest remainder rule (macros/
-- largest_remainder.sql), so the pieces add up to the epoch's amount to the lamport.
-- An epoch whose block times are unknown is placed by the chain's nominal clock (genesis +
-- epoch x slots_per_epoch x slot_seconds) and carries the gap `period_time_unknown`.
with

validator_rows as (

    select
        pnl.chain,
        pnl.validator_key,
        pnl.operator,
        pnl.period_id,
        pnl.period_seq,
        pnl.is_final,
        pnl.has_data_gaps,
        pnl.data_gaps,
        pnl.period_start is null or pnl.period_end is null as is_time_estimated,
        coalesce(
            pnl.period_start,
            chains.genesis_time + (pnl.period_seq * chains.slots_per_epoch * chains.slot_seconds)::float8 * interval '1 second'
        ) as piece_from,
        coalesce(
            pnl.period_end,
            chains.genesis_time + ((pnl.period_seq + 1) * chains.slots_per_epoch * chains.slot_seconds)::float8 * interval '1 second'
        ) as piece_to,
        pnl.issuance_base_units,
        pnl.block_fees_base_units,
        pnl.mev_base_units,
        pnl.priority_fee_sharing_base_units,
        pnl.vote_costs_base_units,
        pnl.penalties_base_units

    from {{ ref('fct_validator_pnl') }} as pnl
    join {{ ref('chains') }} as chains on chains.chain = pnl.chain
    where {{ in_queued_periods(build_periods, 'pnl.chain', 'pnl.period_seq') }}

),

placed as (

    select
        validator_rows.*,
        -- One UTC day holds the whole period (every Ethereum day; a Solana epoch that does not
        -- cross midnight, or an instant one): it is one piece per component (below).
        ((validator_rows.piece_to - interval '1 microsecond') at time zone 'UTC')::date
            <= (validator_rows.piece_from at time zone 'UTC')::date as is_one_day

    from validator_rows

),

days as (

    select
        validator_rows.*,
        days_since.day,
        -- An instant period (first block = last block) has one piece, its day, weighing 1.
        case
            when validator_rows.piece_to <= validator_rows.piece_from then 1::numeric
            else round(extract(epoch from (
                least(validator_rows.piece_to, (days_since.day + 1)::timestamp at time zone 'UTC')
                - greatest(validator_rows.piece_from, days_since.day::timestamp at time zone 'UTC')
            ))::numeric * 1000000)
        end as day_weight

    from placed as validator_rows
    -- Dates as integers: generate_series over dates would go through timestamptz and the
    -- session's time zone.
    cross join lateral (
        select (validator_rows.piece_from at time zone 'UTC')::date + n as day
        from generate_series(
            0,
            greatest(0, ((validator_rows.piece_to - interval '1 microsecond') at time zone 'UTC')::date
                - (validator_rows.piece_from at time zone 'UTC')::date)
        ) as n
    ) as days_since

),

pieces as (

    select
        days.*,
        c.component,
        c.amount

    from days
    cross join lateral (values
        ('issuance', days.issuance_base_units),
        ('block_fees', days.block_fees_base_units),
        ('mev', days.mev_base_units),
        ('priority_fee_sharing', days.priority_fee_sharing_base_units),
        ('vote_costs', days.vote_costs_base_units),
        ('penalties', days.penalties_base_units)
    ) as c(component, amount)
    -- A day the period touches for no measurable time (it starts at midnight) gets no piece.
    where days.day_weight > 0

),

-- The largest remainder of a single piece is the whole amount: a period within one day skips the
-- rule's two window sorts (network-wide, 20,000 Ethereum validators x 8 days, 960,048 pieces:
-- 10-15 s -> about 3 s in EXPLAIN ANALYZE, the same rows).
over_days as (

    {{ largest_remainder('(select * from pieces where not pieces.is_one_day)', 'chain, validator_key, period_id, component', 'amount', 'day_weight', 'day') }}

),

split as (

    select {{ piece_columns }}, allocated from over_days
    union all
    select {{ piece_columns }}, amount as allocated from pieces where is_one_day

)

select
    chain,
    validator_key,
    operator,
    period_id,
    period_seq,
    day,
    component,
    allocated as amount_base_units,
    day_weight,
    piece_from as period_start,
    piece_to as period_end,
    is_time_estimated,
    is_final,
    has_data_gaps,
    data_gaps

from split
