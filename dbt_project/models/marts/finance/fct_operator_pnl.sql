-- The operator's P&L per chain and UTC day: its validators' rows (fct_operator_validator_pnl)
-- summed, plus the cost lines no validator took that day (unallocated). Solana epochs reach days
-- through the time apportionment of int_books__validator_days_apportioned. Final only when every
-- validator row of the day is final; a day with costs only is final when the chain's loaded
-- periods cover it, all of them final, and its price is published.
with

validator_rows as (

    select * from {{ ref('fct_operator_validator_pnl') }}

),

rolled as (

    select
        operator,
        chain,
        day,
        count(*) as validators,
        sum(issuance_base_units) as issuance_base_units,
        sum(block_fees_base_units) as block_fees_base_units,
        sum(mev_base_units) as mev_base_units,
        sum(priority_fee_sharing_base_units) as priority_fee_sharing_base_units,
        sum(vote_costs_base_units) as vote_costs_base_units,
        sum(penalties_base_units) as penalties_base_units,
        {{ strict_sum('operating_costs_base_units') }} as operating_costs_base_units,
        {{ strict_sum('operating_costs_usd') }} as operating_costs_usd,
        bool_and(is_final) as is_final,
        {{ gap_codes_agg('data_gaps') }} as data_gaps

    from validator_rows
    group by operator, chain, day

),

unallocated as (

    select
        costs.operator,
        costs.chain,
        costs.day,
        coalesce(sum(costs.cost_units) filter (where costs.is_usd), 0) * 0.000001 as usd_cost_lines_usd,
        coalesce(sum(costs.cost_units) filter (where not costs.is_usd), 0) as token_cost_lines_base_units

    from {{ ref('int_books__costs_allocated') }} as costs
    where costs.validator_key is null
    group by costs.operator, costs.chain, costs.day

),

chain_days as (

    -- Every validator row of the chain that touches the day, whoever holds it.
    select chain, day, bool_and(is_final) as is_final, {{ gap_codes_agg('data_gaps') }} as data_gaps
    from {{ ref('int_books__chain_period_days') }}
    group by chain, day

),

coverage as (

    select * from {{ ref('int_books__chain_coverage') }}

),

joined as (

    select
        coalesce(rolled.operator, unallocated.operator) as operator,
        coalesce(rolled.chain, unallocated.chain) as chain,
        coalesce(rolled.day, unallocated.day) as day,
        coalesce(rolled.validators, 0) as validators,
        coalesce(rolled.issuance_base_units, 0) as issuance_base_units,
        coalesce(rolled.block_fees_base_units, 0) as block_fees_base_units,
        coalesce(rolled.mev_base_units, 0) as mev_base_units,
        coalesce(rolled.priority_fee_sharing_base_units, 0) as priority_fee_sharing_base_units,
        coalesce(rolled.vote_costs_base_units, 0) as vote_costs_base_units,
        coalesce(rolled.penalties_base_units, 0) as penalties_base_units,
        case when rolled.operator is null then 0 else rolled.operating_costs_base_units end as allocated_costs_base_units,
        case when rolled.operator is null then 0 else rolled.operating_costs_usd end as allocated_costs_usd,
        coalesce(unallocated.usd_cost_lines_usd, 0) as unallocated_usd_cost_lines_usd,
        coalesce(unallocated.token_cost_lines_base_units, 0) as unallocated_token_cost_lines_base_units,
        rolled.operator is not null as has_validator_rows,
        rolled.is_final as rows_final,
        rolled.data_gaps as rows_gaps

    from rolled
    full outer join unallocated
        on unallocated.operator = rolled.operator
        and unallocated.chain = rolled.chain
        and unallocated.day = rolled.day

),

valued as (

    select
        joined.*,
        chains.native_symbol,
        chains.decimals,
        prices.price_usd,
        joined.unallocated_token_cost_lines_base_units
            + {{ usd_to_base_units('joined.unallocated_usd_cost_lines_usd', 'prices.price_usd', 'chains.decimals') }} as unallocated_costs_base_units,
        joined.unallocated_usd_cost_lines_usd
            + {{ to_native('joined.unallocated_token_cost_lines_base_units', 'chains.decimals') }} * prices.price_usd as unallocated_costs_usd,
        coalesce(chain_days.is_final, false) as chain_day_final,
        chain_days.data_gaps as chain_day_gaps,
        coalesce(coverage.loaded_from <= joined.day::timestamp at time zone 'UTC'
            and coverage.loaded_to >= (joined.day + 1)::timestamp at time zone 'UTC', false) as is_day_loaded

    from joined
    join {{ ref('chains') }} as chains on chains.chain = joined.chain
    left join {{ ref('daily_prices') }} as prices on prices.chain = joined.chain and prices.price_date = joined.day
    left join chain_days on chain_days.chain = joined.chain and chain_days.day = joined.day
    left join coverage on coverage.chain = joined.chain

),

totals as (

    select
        valued.*,
        valued.issuance_base_units + valued.block_fees_base_units + valued.mev_base_units
            - valued.priority_fee_sharing_base_units as gross_revenue_base_units,
        valued.allocated_costs_base_units + valued.unallocated_costs_base_units as operating_costs_base_units,
        valued.allocated_costs_usd + valued.unallocated_costs_usd as operating_costs_usd,
        case
            when valued.has_validator_rows then valued.rows_final
                and (valued.unallocated_costs_base_units is not null and valued.unallocated_costs_usd is not null)
            else valued.chain_day_final and valued.is_day_loaded and valued.price_usd is not null
        end as is_final_computed,
        case
            when valued.has_validator_rows then {{ merge_gap_codes('valued.rows_gaps', [('valued.price_usd is null', 'price_missing')]) }}
            else {{ merge_gap_codes('valued.chain_day_gaps', [
                ('valued.price_usd is null', 'price_missing'),
                ('not valued.is_day_loaded', 'day_partially_loaded'),
            ]) }}
        end as gaps

    from valued

),

netted as (

    select
        totals.*,
        gross_revenue_base_units - vote_costs_base_units - operating_costs_base_units as net_pnl_base_units
    from totals

)

select
    operator,
    chain,
    day,
    date_trunc('month', day)::date as month,
    validators::integer as validators,
    native_symbol,
    price_usd,
    issuance_base_units,
    block_fees_base_units,
    mev_base_units,
    priority_fee_sharing_base_units,
    gross_revenue_base_units,
    vote_costs_base_units,
    penalties_base_units,
    operating_costs_base_units,
    unallocated_costs_base_units,
    net_pnl_base_units,
    {{ books_native_columns() }}
    {{ books_usd_columns() }}
    coalesce(is_final_computed, false) and gaps is null as is_final,
    gaps is not null as has_data_gaps,
    gaps as data_gaps

from netted
