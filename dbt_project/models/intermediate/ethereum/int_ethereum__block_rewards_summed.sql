{{ config(
    materialized='incremental',
    incremental_strategy='period_merge',
    unique_key=['chain', 'validator_index', 'day'],
    period_merge_deletes=true,
    on_schema_change='fail',
    indexes=[{'columns': ['chain', 'period_seq']}],
    pre_hook=["set local enable_sort = off"],
    post_hook=["{{ record_build_loads() }}"]
) }}

-- Proposer rewards (rewards/blocks `total`) and signed sync committee rewards per validator and
-- day, by the slots of the day's epochs. Both are credited in their own block.
--
-- A table, rebuilt a day at a time as the canonical models are (macros/lookback_periods.sql):
-- stake_rewards and int_ethereum__balances_reconciled read it, and as a view each of them summed
-- the day's 3.6 million sync-committee rewards of a mainnet day again (~4 s each per build of a
-- day, at any validator count; bench/README.md). The days rebuilt are known when it compiles, so
-- their slots are written into the select as literals (macros/ethereum_build_bounds.sql).
-- A rebuilt day's stored rows without a new row are deleted (period_merge_deletes): a block a
-- reorg orphaned leaves no stale row behind.
-- No sorts in its transaction: the sync rewards' slot-range join to the days is estimated at a
-- few thousand rows where a mainnet day has 3.6 million, and the planner sorted them all on disk
-- to group them (hashed instead: ~8 s → ~3 s; docs/operations.md).
with

build_periods as (

    {{ lookback_periods([[ref('stg_ethereum__day_windows'), 'period_seq']], 'period_seq') }}

),
{#- after build_periods: the bounds of the periods it recorded (none: every period) #}
{%- set bounds = ethereum_build_bounds(ref('stg_ethereum__day_windows')) %}

days as (

    select d.* from {{ ref('int_ethereum__days_listed') }} as d
    join build_periods as bp on bp.chain = d.chain and bp.period_seq = d.period_seq

),

proposer as (

    select days.chain, r.proposer_index as validator_index, days.day, days.period_seq,
           sum(r.total_wei) as proposer_wei, count(*) as blocks_rewarded, max(r.load_id::numeric) as load_id
    from days
    join {{ ref('stg_ethereum__block_rewards') }} as r
        on r.chain = days.chain and r.slot between days.first_slot and days.last_slot
    {%- if bounds %}
    where r.slot between {{ bounds.first_slot }} and {{ bounds.last_slot }}
    {%- endif %}
    group by 1, 2, 3, 4

),

sync as (

    select days.chain, r.validator_index, days.day, days.period_seq,
           sum(r.reward_wei) as sync_wei, -sum(least(r.reward_wei, 0)) as sync_penalties_wei, max(r.load_id::numeric) as load_id
    from days
    join {{ ref('stg_ethereum__sync_committee_rewards') }} as r
        on r.chain = days.chain and r.slot between days.first_slot and days.last_slot
    -- the rebuilt days' slots only: an index scan (macros/build_state.sql), where a mainnet day
    -- adds 3.6 million rows the join would otherwise scan
    {%- if bounds %}
    where r.slot between {{ bounds.first_slot }} and {{ bounds.last_slot }}
    {%- endif %}
    group by 1, 2, 3, 4

)

select
    coalesce(proposer.chain, sync.chain) as chain,
    coalesce(proposer.validator_index, sync.validator_index) as validator_index,
    coalesce(proposer.day, sync.day) as day,
    coalesce(proposer.period_seq, sync.period_seq) as period_seq,
    coalesce(proposer.proposer_wei, 0) as proposer_wei,
    coalesce(proposer.blocks_rewarded, 0) as blocks_rewarded,
    coalesce(sync.sync_wei, 0) as sync_wei,
    coalesce(sync.sync_penalties_wei, 0) as sync_penalties_wei,
    greatest(proposer.load_id, sync.load_id) as load_id

from proposer
full outer join sync
    on sync.chain = proposer.chain and sync.validator_index = proposer.validator_index and sync.day = proposer.day
