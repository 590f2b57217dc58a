-- One row per (chain, validator, period): every revenue component and cost, in base units and in
-- the native token. gross_revenue = issuance + block_fees + mev - priority_fee_sharing;
-- net_pnl = gross_revenue - vote_costs (penalties are already netted inside issuance).
-- USD: the native amounts at the close of the UTC day the period ends on (null until published).
with

grid as (

    select * from {{ ref('validator_meta') }}

),

rejections as (

    select * from {{ ref('int_rejections_opened') }}

),

components as (

    select
        grid.chain,
        grid.validator_key,
        grid.period_id,
        grid.period_seq,
        coalesce(rewards.issuance_base_units, 0) as issuance_base_units,
        coalesce(fees.block_fees_base_units, 0) as block_fees_base_units,
        fees.base_fees_base_units,
        fees.priority_fees_base_units,
        coalesce(mev.mev_base_units, 0) as mev_base_units,
        coalesce(mev.priority_fee_sharing_base_units, 0) as priority_fee_sharing_base_units,
        coalesce(costs.vote_costs_base_units, 0) as vote_costs_base_units,
        coalesce(rewards.penalties_base_units, 0) as penalties_base_units,
        coalesce(costs.is_estimate, false) as is_vote_cost_estimate,
        rewards.validator_key is null as is_issuance_missing,
        costs.validator_key is not null and not costs.is_known as is_vote_cost_missing

    from grid
    left join {{ ref('stake_rewards') }} as rewards
        on rewards.chain = grid.chain and rewards.validator_key = grid.validator_key and rewards.period_id = grid.period_id
    left join {{ ref('validator_fees') }} as fees
        on fees.chain = grid.chain and fees.validator_key = grid.validator_key and fees.period_id = grid.period_id
    left join {{ ref('validator_mev') }} as mev
        on mev.chain = grid.chain and mev.validator_key = grid.validator_key and mev.period_id = grid.period_id
    left join {{ ref('validator_costs') }} as costs
        on costs.chain = grid.chain and costs.validator_key = grid.validator_key and costs.period_id = grid.period_id

),

gaps as (

    select
        components.chain,
        components.validator_key,
        components.period_id,
        coalesce(sum(rejections.open_rejections), 0)::integer as open_rejections

    from components
    left join rejections
        on rejections.chain = components.chain
        and rejections.period_id = components.period_id
        and (rejections.validator_key is null or rejections.validator_key = components.validator_key)
    group by components.chain, components.validator_key, components.period_id

)

select
    components.chain,
    components.validator_key,
    identities.operator,
    periods.period_type,
    components.period_id,
    components.period_seq,
    periods.period_start,
    periods.period_end,
    periods.is_final and gaps.open_rejections = 0 and not components.is_issuance_missing
        and not components.is_vote_cost_missing as is_final,
    chains.native_symbol,
    {{ to_native('components.issuance_base_units', 'chains.decimals') }} as issuance_native,
    {{ to_native('components.block_fees_base_units', 'chains.decimals') }} as block_fees_native,
    {{ to_native('components.base_fees_base_units', 'chains.decimals') }} as base_fees_native,
    {{ to_native('components.priority_fees_base_units', 'chains.decimals') }} as priority_fees_native,
    {{ to_native('components.mev_base_units', 'chains.decimals') }} as mev_native,
    {{ to_native('components.priority_fee_sharing_base_units', 'chains.decimals') }} as priority_fee_sharing_native,
    {{ to_native('components.vote_costs_base_units', 'chains.decimals') }} as vote_costs_native,
    {{ to_native('components.penalties_base_units', 'chains.decimals') }} as penalties_native,
    {{ to_native('components.issuance_base_units + components.block_fees_base_units + components.mev_base_units - components.priority_fee_sharing_base_units', 'chains.decimals') }} as gross_revenue_native,
    {{ to_native('components.issuance_base_units + components.block_fees_base_units + components.mev_base_units - components.priority_fee_sharing_base_units - components.vote_costs_base_units', 'chains.decimals') }} as net_pnl_native,
    components.issuance_base_units,
    components.block_fees_base_units,
    components.mev_base_units,
    components.priority_fee_sharing_base_units,
    components.vote_costs_base_units,
    components.penalties_base_units,
    components.issuance_base_units + components.block_fees_base_units + components.mev_base_units
        - components.priority_fee_sharing_base_units as gross_revenue_base_units,
    components.issuance_base_units + components.block_fees_base_units + components.mev_base_units
        - components.priority_fee_sharing_base_units - components.vote_costs_base_units as net_pnl_base_units,
    components.is_vote_cost_estimate,
    ((periods.period_end - interval '1 microsecond') at time zone 'UTC')::date as price_date,
    prices.price_usd,
    {{ to_native('components.issuance_base_units', 'chains.decimals') }} * prices.price_usd as issuance_usd,
    {{ to_native('components.block_fees_base_units', 'chains.decimals') }} * prices.price_usd as block_fees_usd,
    {{ to_native('components.mev_base_units', 'chains.decimals') }} * prices.price_usd as mev_usd,
    {{ to_native('components.priority_fee_sharing_base_units', 'chains.decimals') }} * prices.price_usd as priority_fee_sharing_usd,
    {{ to_native('components.vote_costs_base_units', 'chains.decimals') }} * prices.price_usd as vote_costs_usd,
    {{ to_native('components.penalties_base_units', 'chains.decimals') }} * prices.price_usd as penalties_usd,
    {{ to_native('components.issuance_base_units + components.block_fees_base_units + components.mev_base_units - components.priority_fee_sharing_base_units', 'chains.decimals') }} * prices.price_usd as gross_revenue_usd,
    {{ to_native('components.issuance_base_units + components.block_fees_base_units + components.mev_base_units - components.priority_fee_sharing_base_units - components.vote_costs_base_units', 'chains.decimals') }} * prices.price_usd as net_pnl_usd,
    gaps.open_rejections,
    gaps.open_rejections > 0 or components.is_issuance_missing or components.is_vote_cost_missing as has_data_gaps,
    nullif(concat_ws('; ',
        case when gaps.open_rejections > 0 then gaps.open_rejections || ' rejected response(s), retried on the next run' end,
        case when components.is_issuance_missing then 'issuance not loaded' end,
        case when components.is_vote_cost_missing then 'vote credits never observed (load at least every four epochs)' end
    ), '') as data_gaps

from components
join gaps using (chain, validator_key, period_id)
join {{ ref('periods') }} as periods
    on periods.chain = components.chain and periods.period_id = components.period_id
join {{ ref('chains') }} as chains on chains.chain = components.chain
left join {{ ref('daily_prices') }} as prices
    on prices.chain = components.chain
    and prices.price_date = ((periods.period_end - interval '1 microsecond') at time zone 'UTC')::date
left join {{ ref('validator_identities') }} as identities
    on identities.chain = components.chain and identities.validator_key = components.validator_key
