-- A table, not a view: the finance marts and the income events each read it several times.
-- Rebuilt by period, with the pieces it splits (macros/period_queue.sql); a change of the holders'
-- terms rebuilds every period.
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns',
          pre_hook=["{{ delete_queued_periods() }}"], post_hook=["{{ consume_period_queue() }}"]) }}
{%- set build_periods = queued_periods() %}

-- Each day piece of a validator's income and vote costs, split between its holders by the terms
-- in force that day (registry.ownership_holders). A day outside every term belongs to the
-- validator's operator (operators.yaml), 100%. Largest remainder again: the holders' parts add up
-- to the piece exactly; a tie goes to the larger weight, then to the holder's name.
with

pieces as (

    select * from {{ ref('int_books__validator_days_apportioned') }}
    where {{ in_queued_periods(build_periods) }}

),

holders as (

    select * from {{ ref('int_books__holder_weights_resolved') }}

),

terms as (

    select distinct validator_key, chain, effective_from, effective_to, model
    from holders

),

pieces_termed as (

    select
        pieces.*,
        terms.effective_from as term_from,
        coalesce(terms.model, 'own') as model

    from pieces
    left join terms
        on terms.chain = pieces.chain
        and terms.validator_key = pieces.validator_key
        and pieces.day >= terms.effective_from
        and (terms.effective_to is null or pieces.day <= terms.effective_to)

),

weighted as (

    select
        pieces_termed.*,
        holders.holder,
        holders.holder_kind,
        holders.weight

    from pieces_termed
    join holders
        on holders.chain = pieces_termed.chain
        and holders.validator_key = pieces_termed.validator_key
        and holders.effective_from = pieces_termed.term_from
        and holders.component = pieces_termed.component

    union all

    select
        pieces_termed.*,
        pieces_termed.operator,
        'operator',
        1000000000000::numeric

    from pieces_termed
    where pieces_termed.term_from is null
      and pieces_termed.operator is not null

),

split as (

    {{ largest_remainder('weighted', 'chain, validator_key, period_id, day, component', 'amount_base_units', 'weight', 'weight desc, holder') }}

)

select
    chain,
    validator_key,
    operator,
    period_id,
    period_seq,
    day,
    component,
    holder,
    holder_kind,
    model,
    term_from,
    allocated as amount_base_units,
    amount_base_units as piece_base_units,
    day_weight,
    period_start,
    period_end,
    is_time_estimated,
    is_final,
    has_data_gaps,
    data_gaps

from split
