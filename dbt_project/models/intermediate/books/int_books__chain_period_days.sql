-- A table rebuilt by period, with the rows of marts.fct_validator_pnl it sums (macros/period_queue.sql).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns',
          pre_hook=["{{ delete_queued_periods() }}"], post_hook=["{{ consume_period_queue() }}"]) }}
{%- set build_periods = queued_periods() %}

-- Each period of marts.fct_validator_pnl cut into the UTC days it overlaps, by the clock that
-- cuts each validator's row (macros/books_period_days.sql), with what every validator row of the
-- period says, whoever holds the validator or nobody does: final only when all of them are, and
-- every gap code any of them carries. One row per period and day: the chain's days as the books
-- see them (int_books__chain_coverage, the days a monthly cost line is spread over, a day with
-- costs only in fct_operator_pnl), without a piece per validator
-- (int_books__validator_days_apportioned holds only the rows that have an operator).
with

periods as (

    select
        pnl.chain,
        pnl.period_id,
        pnl.period_seq,
        {{ books_period_bounds('pnl', 'chains') }},
        bool_and(pnl.is_final) as is_final,
        {{ gap_codes_agg('pnl.data_gaps') }} as data_gaps

    from {{ ref('fct_validator_pnl') }} as pnl
    join {{ ref('chains') }} as chains on chains.chain = pnl.chain
    where {{ in_queued_periods(build_periods, 'pnl.chain', 'pnl.period_seq') }}
    group by 1, 2, 3, 4, 5

),

days as (

    {{ books_period_days('periods') }}

)

select
    chain,
    period_id,
    period_seq,
    day,
    min(piece_from) as period_start,
    max(piece_to) as period_end,
    bool_and(is_final) as is_final,
    {{ gap_codes_agg('data_gaps') }} as data_gaps

from days
-- A day the period touches for no measurable time gets no row, as it gets no piece.
where day_weight > 0
group by chain, period_id, period_seq, day
