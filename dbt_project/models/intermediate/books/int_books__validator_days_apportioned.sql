-- A table, not a view: the finance marts and the income events each read it several times.
-- Rebuilt by period, with the rows of marts.fct_validator_pnl it cuts (macros/period_queue.sql).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns',
          pre_hook=["{{ delete_queued_periods() }}", "{{ delete_unbooked_pieces() }}"], post_hook=["{{ consume_period_queue() }}"]) }}
{%- set build_periods = queued_periods() %}
{%- set piece_columns = 'chain, validator_key, operator, period_id, period_seq, day, component, day_weight, piece_from, piece_to, is_time_estimated, is_final, has_data_gaps, data_gaps' %}

-- Every row of marts.fct_validator_pnl that has an operator, cut into UTC days and into its
-- components (long form: one row per period, day and component). An Ethereum day is one piece. A
-- Solana epoch is apportioned to the days it overlaps by time (macros/books_period_days.sql): each
-- day's weight is the microseconds of the epoch (period_start..period_end, the times of its first
-- and last blocks) that fall in it, and each component is split by those weights with the largest
-- remainder rule (macros/largest_remainder.sql), so the pieces add up to the epoch's amount to the
-- lamport. An epoch whose block times are unknown is placed by the chain's nominal clock (genesis
-- + epoch x slots_per_epoch x slot_seconds) and carries the gap `period_time_unknown`.
--
-- Only rows with an operator: books.yaml's holders and cost lines name operators' validators
-- (loaders/books/config.py refuses any other), so a row without one is in nobody's books. What
-- the books need of every validator (the chain's days: final, gaps, how far loaded) is in
-- int_books__chain_period_days. Network-wide, this table held six rows per validator-day with
-- no operator listed (600,000 a day at 100,000 validators, 2.2 s of a new day's build).
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
        {{ books_period_bounds('pnl', 'chains') }},
        pnl.issuance_base_units,
        pnl.block_fees_base_units,
        pnl.mev_base_units,
        pnl.priority_fee_sharing_base_units,
        pnl.vote_costs_base_units,
        pnl.penalties_base_units

    from {{ ref('fct_validator_pnl') }} as pnl
    join {{ ref('chains') }} as chains on chains.chain = pnl.chain
    where pnl.operator is not null
      and {{ in_queued_periods(build_periods, 'pnl.chain', 'pnl.period_seq') }}

),

days as (

    {{ books_period_days('validator_rows') }}

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
