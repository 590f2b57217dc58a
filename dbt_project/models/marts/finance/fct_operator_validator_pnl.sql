{{ config(pre_hook=["set local enable_nestloop = off", "set local enable_mergejoin = off"]) }}

-- No nested loops nor merge joins in this model's transaction (as canonical.validator_meta): the
-- planner estimates the full join of income and costs, keyed by coalesce()s, at a few hundred
-- rows whatever the truth, and then merged the day pieces with it on the chain alone, filtering
-- validator and day out of every pair (an operator listing 10,000 of 100,000 validators, 7
-- days: still running after 8.5 minutes on this model, then stopped; 10.0 s with hash joins).
-- The operator's books per validator and UTC day: its share of the validator's income and vote
-- costs (int_books__validator_days_split: the day's pieces of the validator's periods, split by
-- the terms in force), the operating costs allocated to the validator that day, and the net, in
-- base units, the native token and USD at the day's close. A co-owner that is itself an operator
-- in operators.yaml finds its share here too. Final only when every period piece of the day is
-- final, the chain's loaded periods cover the whole day and the day's price is published.
with

split as (

    select * from {{ ref('int_books__validator_days_split') }}

),

held as (

    select
        split.holder as operator,
        split.chain,
        split.validator_key,
        split.period_id,
        split.day,
        split.component,
        split.holder_kind,
        split.model,
        split.term_from,
        split.amount_base_units,
        split.is_final,
        split.is_time_estimated,
        split.data_gaps

    from split
    join {{ ref('operators') }} as operators on operators.operator = split.holder
    where split.holder_kind in ('operator', 'co_owner')

),

coverage as (

    select * from {{ ref('int_books__chain_coverage') }}

),

income as (

    select
        operator,
        chain,
        validator_key,
        day,
        max(holder_kind) as holder_kind,
        max(model) as model,
        max(term_from) as term_from,
        string_agg(distinct period_id, ', ' order by period_id) as period_ids,
        coalesce(sum(amount_base_units) filter (where component = 'issuance'), 0) as issuance_base_units,
        coalesce(sum(amount_base_units) filter (where component = 'block_fees'), 0) as block_fees_base_units,
        coalesce(sum(amount_base_units) filter (where component = 'mev'), 0) as mev_base_units,
        coalesce(sum(amount_base_units) filter (where component = 'priority_fee_sharing'), 0) as priority_fee_sharing_base_units,
        coalesce(sum(amount_base_units) filter (where component = 'vote_costs'), 0) as vote_costs_base_units,
        coalesce(sum(amount_base_units) filter (where component = 'penalties'), 0) as penalties_base_units,
        bool_and(is_final) as is_final,
        bool_or(is_time_estimated) as is_time_estimated,
        {{ gap_codes_agg('data_gaps') }} as data_gaps

    from held
    group by operator, chain, validator_key, day

),

costs as (

    select
        operator,
        chain,
        validator_key,
        day,
        coalesce(sum(cost_units) filter (where is_usd), 0) * 0.000001 as usd_cost_lines_usd,
        coalesce(sum(cost_units) filter (where not is_usd), 0) as token_cost_lines_base_units

    from {{ ref('int_books__costs_allocated') }}
    where validator_key is not null
    group by operator, chain, validator_key, day

),

joined as (

    select
        coalesce(income.operator, costs.operator) as operator,
        coalesce(income.chain, costs.chain) as chain,
        coalesce(income.validator_key, costs.validator_key) as validator_key,
        coalesce(income.day, costs.day) as day,
        income.holder_kind,
        income.model,
        income.term_from,
        income.period_ids,
        coalesce(income.issuance_base_units, 0) as issuance_base_units,
        coalesce(income.block_fees_base_units, 0) as block_fees_base_units,
        coalesce(income.mev_base_units, 0) as mev_base_units,
        coalesce(income.priority_fee_sharing_base_units, 0) as priority_fee_sharing_base_units,
        coalesce(income.vote_costs_base_units, 0) as vote_costs_base_units,
        coalesce(income.penalties_base_units, 0) as penalties_base_units,
        coalesce(costs.usd_cost_lines_usd, 0) as usd_cost_lines_usd,
        coalesce(costs.token_cost_lines_base_units, 0) as token_cost_lines_base_units,
        -- A validator with costs but no income held that day (the operator holds 0% of it) is
        -- as final as the validator's own rows of the day.
        income.is_final,
        coalesce(income.is_time_estimated, false) as is_time_estimated,
        income.data_gaps

    from income
    full outer join costs
        on costs.operator = income.operator
        and costs.chain = income.chain
        and costs.validator_key = income.validator_key
        and costs.day = income.day

),

validator_days as (

    -- The whole validator's day (any holder), for rows that only carry costs.
    select chain, validator_key, day, bool_and(is_final) as is_final, {{ gap_codes_agg('data_gaps') }} as data_gaps
    from {{ ref('int_books__validator_days_apportioned') }}
    group by chain, validator_key, day

),

valued as (

    select
        joined.*,
        chains.native_symbol,
        chains.decimals,
        prices.price_usd,
        coalesce(joined.is_final, validator_days.is_final, false) as pieces_final,
        coalesce(joined.data_gaps, validator_days.data_gaps) as piece_gaps,
        joined.issuance_base_units + joined.block_fees_base_units + joined.mev_base_units
            - joined.priority_fee_sharing_base_units as gross_revenue_base_units,
        joined.token_cost_lines_base_units
            + {{ usd_to_base_units('joined.usd_cost_lines_usd', 'prices.price_usd', 'chains.decimals') }} as operating_costs_base_units,
        joined.usd_cost_lines_usd
            + {{ to_native('joined.token_cost_lines_base_units', 'chains.decimals') }} * prices.price_usd as operating_costs_usd,
        coverage.loaded_from <= joined.day::timestamp at time zone 'UTC'
            and coverage.loaded_to >= (joined.day + 1)::timestamp at time zone 'UTC' as is_day_loaded

    from joined
    join {{ ref('chains') }} as chains on chains.chain = joined.chain
    left join coverage on coverage.chain = joined.chain
    left join {{ ref('daily_prices') }} as prices
        on prices.chain = joined.chain and prices.price_date = joined.day
    left join validator_days
        on validator_days.chain = joined.chain
        and validator_days.validator_key = joined.validator_key
        and validator_days.day = joined.day

),

gapped as (

    select
        valued.*,
        {{ merge_gap_codes('valued.piece_gaps', [
            ('valued.price_usd is null', 'price_missing'),
            ('valued.is_time_estimated', 'period_time_unknown'),
            ('not coalesce(valued.is_day_loaded, false)', 'day_partially_loaded'),
        ]) }} as data_gaps_merged

    from valued

),

netted as (

    select
        gapped.*,
        gross_revenue_base_units - vote_costs_base_units - operating_costs_base_units as net_pnl_base_units
    from gapped

)

select
    operator,
    chain,
    validator_key,
    day,
    date_trunc('month', day)::date as month,
    coalesce(holder_kind, 'operator') as holder_kind,
    coalesce(model, 'own') as model,
    term_from,
    period_ids,
    native_symbol,
    price_usd,
    issuance_base_units,
    block_fees_base_units,
    mev_base_units,
    priority_fee_sharing_base_units,
    gross_revenue_base_units,
    vote_costs_base_units,
    penalties_base_units,
    usd_cost_lines_usd,
    token_cost_lines_base_units,
    operating_costs_base_units,
    net_pnl_base_units,
    {{ books_native_columns() }}
    {{ books_usd_columns() }}
    pieces_final and price_usd is not null and not is_time_estimated and coalesce(is_day_loaded, false) as is_final,
    data_gaps_merged is not null as has_data_gaps,
    data_gaps_merged as data_gaps

from netted
