{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail',
          pre_hook=["set local enable_nestloop = off", "{{ delete_queued_periods() }}"],
          post_hook=["{{ consume_period_queue() }}", "{{ index_invariant_rows() }}"]) }}
{%- set build_periods = queued_periods() %}

-- No nested loops in this model's transaction (as canonical.validator_meta): the planner
-- estimated the grid's joins at one row and aggregated the gap codes once per row (loops = rows),
-- the cost growing with the square of validators x periods: 29.7 s at 500 validators x 16 epochs
-- (EXPLAIN ANALYZE), 0.3 s with hash joins.
-- Rebuilt by period: only the periods queued for it (macros/period_queue.sql); every other row is
-- what a whole rebuild would give.
-- One row per expected (chain, validator, period): every revenue component and cost, in base
-- units and in the native token, and whether the row is final. gross_revenue = issuance +
-- block_fees + mev - priority_fee_sharing; net_pnl = gross_revenue - vote_costs (penalties are
-- already netted inside issuance). USD: the native amounts at the close of the UTC day the period
-- ends on (null until published).
--
-- The rows come from the period schedule and each validator's active range (int_pnl_grid), not
-- from the data that arrived: a row nothing could be loaded for exists and says why. Amounts are
-- what was loaded so far (0 where nothing was); `data_gaps` names every missing or wrong input
-- (int_pnl_gaps_listed), `awaiting` the inputs still expected within the finality lag, and a row
-- is final when neither has anything (docs/pnl.md, "Finality, gaps and the grid").
with

grid as (

    select * from {{ ref('int_pnl_grid') }}
    where {{ in_queued_periods(build_periods) }}

),

-- Open rejections: one of a whole period (no validator) counts for every validator of it. Two
-- left joins, not a join on "validator_key is null or =" grouped back per row: that self-join of
-- the rows was estimated at a handful of rows, and the planner then merged the gap codes on the
-- chain alone (100,000 validators x 2 days: 2 x 10^10 pairs; stopped after minutes on this model).
period_rejections as (

    select chain, period_id, sum(open_rejections) as open_rejections
    from {{ ref('int_rejections_opened') }}
    where validator_key is null
    group by chain, period_id

),

validator_rejections as (

    select chain, period_id, validator_key, sum(open_rejections) as open_rejections
    from {{ ref('int_rejections_opened') }}
    where validator_key is not null
    group by chain, period_id, validator_key

),

codes as (

    select
        chain,
        validator_key,
        period_id,
        string_agg(distinct gap, ', ' order by gap) filter (where is_gap) as data_gaps,
        string_agg(distinct gap, ', ' order by gap) filter (where not is_gap) as awaiting
    from {{ ref('int_pnl_gaps_listed') }}
    where {{ in_queued_periods(build_periods) }}
    group by chain, validator_key, period_id

),

components as (

    select
        grid.chain,
        grid.validator_key,
        grid.period_id,
        grid.period_seq,
        grid.period_type,
        coalesce(rewards.issuance_base_units, 0) as issuance_base_units,
        coalesce(fees.block_fees_base_units, 0) as block_fees_base_units,
        fees.base_fees_base_units,
        fees.priority_fees_base_units,
        coalesce(mev.mev_base_units, 0) as mev_base_units,
        coalesce(mev.priority_fee_sharing_base_units, 0) as priority_fee_sharing_base_units,
        coalesce(costs.vote_costs_base_units, 0) as vote_costs_base_units,
        coalesce(rewards.penalties_base_units, 0) as penalties_base_units,
        coalesce(costs.is_estimate, false) as is_vote_cost_estimate

    from grid
    left join (select * from {{ ref('stake_rewards') }} where {{ in_queued_periods(build_periods) }}) as rewards
        on rewards.chain = grid.chain and rewards.validator_key = grid.validator_key and rewards.period_id = grid.period_id
    left join (select * from {{ ref('validator_fees') }} where {{ in_queued_periods(build_periods) }}) as fees
        on fees.chain = grid.chain and fees.validator_key = grid.validator_key and fees.period_id = grid.period_id
    left join (select * from {{ ref('validator_mev') }} where {{ in_queued_periods(build_periods) }}) as mev
        on mev.chain = grid.chain and mev.validator_key = grid.validator_key and mev.period_id = grid.period_id
    left join (select * from {{ ref('validator_costs') }} where {{ in_queued_periods(build_periods) }}) as costs
        on costs.chain = grid.chain and costs.validator_key = grid.validator_key and costs.period_id = grid.period_id

),

bounded as (

    -- Loaded periods carry their times; a day is its calendar day even when nothing loaded. A left
    -- join on the periods' key: one row per component row, as estimated.
    select
        components.*,
        coalesce(periods.period_start,
            case when components.period_type = 'day' then components.period_id::date::timestamp at time zone 'UTC' end) as period_start,
        coalesce(periods.period_end,
            case when components.period_type = 'day' then (components.period_id::date + 1)::timestamp at time zone 'UTC' end) as period_end
    from components
    left join {{ ref('periods') }} as periods
        on periods.chain = components.chain and periods.period_id = components.period_id

),

operators as (

    select chain, validator, min(operator) as operator from {{ ref('operator_validators') }} group by chain, validator

)

select
    components.chain,
    components.validator_key,
    coalesce(identities.operator, operators.operator) as operator,
    components.period_type,
    components.period_id,
    components.period_seq,
    components.period_start,
    components.period_end,
    codes.data_gaps is null and codes.awaiting is null as is_final,
    case
        when codes.data_gaps is not null then 'incomplete'
        when codes.awaiting is not null then 'pending'
        else 'final'
    end as row_state,
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
    ((components.period_end - interval '1 microsecond') at time zone 'UTC')::date as price_date,
    prices.price_usd,
    {{ to_native('components.issuance_base_units', 'chains.decimals') }} * prices.price_usd as issuance_usd,
    {{ to_native('components.block_fees_base_units', 'chains.decimals') }} * prices.price_usd as block_fees_usd,
    {{ to_native('components.mev_base_units', 'chains.decimals') }} * prices.price_usd as mev_usd,
    {{ to_native('components.priority_fee_sharing_base_units', 'chains.decimals') }} * prices.price_usd as priority_fee_sharing_usd,
    {{ to_native('components.vote_costs_base_units', 'chains.decimals') }} * prices.price_usd as vote_costs_usd,
    {{ to_native('components.penalties_base_units', 'chains.decimals') }} * prices.price_usd as penalties_usd,
    {{ to_native('components.issuance_base_units + components.block_fees_base_units + components.mev_base_units - components.priority_fee_sharing_base_units', 'chains.decimals') }} * prices.price_usd as gross_revenue_usd,
    {{ to_native('components.issuance_base_units + components.block_fees_base_units + components.mev_base_units - components.priority_fee_sharing_base_units - components.vote_costs_base_units', 'chains.decimals') }} * prices.price_usd as net_pnl_usd,
    (coalesce(period_rejections.open_rejections, 0) + coalesce(validator_rejections.open_rejections, 0))::integer as open_rejections,
    codes.data_gaps is not null as has_data_gaps,
    codes.data_gaps,
    codes.awaiting

from bounded as components
join {{ ref('chains') }} as chains on chains.chain = components.chain
left join codes
    on codes.chain = components.chain and codes.validator_key = components.validator_key and codes.period_id = components.period_id
left join {{ ref('daily_prices') }} as prices
    on prices.chain = components.chain
    and prices.price_date = ((components.period_end - interval '1 microsecond') at time zone 'UTC')::date
left join {{ ref('validator_identities') }} as identities
    on identities.chain = components.chain and identities.validator_key = components.validator_key
left join operators
    on operators.chain = components.chain and operators.validator = components.validator_key
left join period_rejections
    on period_rejections.chain = components.chain and period_rejections.period_id = components.period_id
left join validator_rejections
    on validator_rejections.chain = components.chain
    and validator_rejections.period_id = components.period_id
    and validator_rejections.validator_key = components.validator_key
