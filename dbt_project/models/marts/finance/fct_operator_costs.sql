-- The operator's cost lines per UTC day, as allocated (int_books__costs_allocated): the amount in
-- the line's currency, how much went to validators and how much stayed unallocated (no validator
-- of the line had a row that day), and both in base units and USD at the day's close.
with

allocated as (

    select * from {{ ref('int_books__costs_allocated') }}

),

daily as (

    select
        operator,
        chain,
        day,
        cost_line,
        max(kind) as kind,
        max(currency) as currency,
        bool_and(is_usd) as is_usd,
        sum(cost_units) as cost_units,
        coalesce(sum(cost_units) filter (where validator_key is null), 0) as unallocated_units,
        count(validator_key) as validators

    from allocated
    group by operator, chain, day, cost_line

)

select
    daily.operator,
    daily.chain,
    daily.day,
    date_trunc('month', daily.day)::date as month,
    daily.cost_line,
    daily.kind,
    daily.currency,
    case when daily.is_usd then daily.cost_units * 0.000001
         else {{ to_native('daily.cost_units', 'chains.decimals') }} end as amount,
    case when daily.is_usd then daily.unallocated_units * 0.000001
         else {{ to_native('daily.unallocated_units', 'chains.decimals') }} end as unallocated_amount,
    daily.validators::integer as validators,
    chains.native_symbol,
    prices.price_usd,
    case when daily.is_usd then {{ usd_to_base_units('daily.cost_units * 0.000001', 'prices.price_usd', 'chains.decimals') }}
         else daily.cost_units end as amount_base_units,
    case when daily.is_usd then daily.cost_units * 0.000001
         else {{ to_native('daily.cost_units', 'chains.decimals') }} * prices.price_usd end as amount_usd

from daily
join {{ ref('chains') }} as chains on chains.chain = daily.chain
left join {{ ref('daily_prices') }} as prices on prices.chain = daily.chain and prices.price_date = daily.day
