{{ config(unique_key=['chain', 'price_date']) }}

-- Each chain's native token in USD, one close per UTC day (the prices provider's point at the
-- midnight ending the day). Closes never change once published: only new loads are read.
select
    chains.chain,
    prices.price_date,
    prices.price_usd,
    prices.coin_id,
    prices.response_id,
    prices.load_id::numeric as source_load_id

from {{ ref('stg_prices__daily_prices') }} as prices
join {{ ref('chains') }} as chains on chains.price_id = prices.coin_id
{% if is_incremental() and not heal_requested() %}
where prices.load_id::numeric > (select coalesce(max(source_load_id), 0) from {{ this }})
{% endif %}
