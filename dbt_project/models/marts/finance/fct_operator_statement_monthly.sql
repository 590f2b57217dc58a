-- The operator's monthly statement per chain: revenue by component, vote costs, operating costs
-- and net, in base units, the native token and USD (each day valued at its own close, then
-- summed). A month is final only when every day row in it is final and the chain's loaded
-- periods cover the whole month; its gaps are the distinct codes of its days.
with

days as (

    select * from {{ ref('fct_operator_pnl') }}

),

coverage as (

    select * from {{ ref('int_books__chain_coverage') }}

),

rolled as (

    select
        operator,
        chain,
        month,
        max(native_symbol) as native_symbol,
        count(*) as days,
        count(*) filter (where is_final) as final_days,
        max(validators) as validators,
        sum(issuance_base_units) as issuance_base_units,
        sum(block_fees_base_units) as block_fees_base_units,
        sum(mev_base_units) as mev_base_units,
        sum(priority_fee_sharing_base_units) as priority_fee_sharing_base_units,
        sum(gross_revenue_base_units) as gross_revenue_base_units,
        sum(vote_costs_base_units) as vote_costs_base_units,
        sum(penalties_base_units) as penalties_base_units,
        {{ strict_sum('operating_costs_base_units') }} as operating_costs_base_units,
        {{ strict_sum('net_pnl_base_units') }} as net_pnl_base_units,
        {{ strict_sum('issuance_usd') }} as issuance_usd,
        {{ strict_sum('block_fees_usd') }} as block_fees_usd,
        {{ strict_sum('mev_usd') }} as mev_usd,
        {{ strict_sum('priority_fee_sharing_usd') }} as priority_fee_sharing_usd,
        {{ strict_sum('gross_revenue_usd') }} as gross_revenue_usd,
        {{ strict_sum('vote_costs_usd') }} as vote_costs_usd,
        {{ strict_sum('penalties_usd') }} as penalties_usd,
        {{ strict_sum('operating_costs_usd') }} as operating_costs_usd,
        {{ strict_sum('net_pnl_usd') }} as net_pnl_usd,
        bool_and(is_final) as days_final,
        {{ gap_codes_agg('data_gaps') }} as days_gaps

    from days
    group by operator, chain, month

),

checked as (

    select
        rolled.*,
        chains.decimals,
        coalesce(coverage.loaded_from <= rolled.month::timestamp at time zone 'UTC'
            and coverage.loaded_to >= (rolled.month + interval '1 month')::date::timestamp at time zone 'UTC', false) as is_month_loaded

    from rolled
    join {{ ref('chains') }} as chains on chains.chain = rolled.chain
    left join coverage on coverage.chain = rolled.chain

),

gapped as (

    select
        checked.*,
        {{ merge_gap_codes('checked.days_gaps', [('not checked.is_month_loaded', 'month_partially_loaded')]) }} as gaps
    from checked

)

select
    operator,
    chain,
    month,
    to_char(month, 'YYYY-MM') as month_label,
    native_symbol,
    days::integer as days,
    final_days::integer as final_days,
    validators::integer as validators,
    issuance_base_units,
    block_fees_base_units,
    mev_base_units,
    priority_fee_sharing_base_units,
    gross_revenue_base_units,
    vote_costs_base_units,
    penalties_base_units,
    operating_costs_base_units,
    net_pnl_base_units,
    {{ books_native_columns() }}
    issuance_usd,
    block_fees_usd,
    mev_usd,
    priority_fee_sharing_usd,
    gross_revenue_usd,
    vote_costs_usd,
    penalties_usd,
    operating_costs_usd,
    net_pnl_usd,
    days_final and is_month_loaded as is_final,
    gaps is not null as has_data_gaps,
    gaps as data_gaps

from gapped
