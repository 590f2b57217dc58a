-- Proposer rewards (rewards/blocks `total`) and signed sync committee rewards per validator and
-- day, by the slots of the day's epochs. Both are credited in their own block.
with

days as (

    select * from {{ ref('int_ethereum__days_listed') }}
    where {{ in_build_periods('chain', 'period_seq') }}

),

proposer as (

    select days.chain, r.proposer_index as validator_index, days.day, days.period_seq,
           sum(r.total_wei) as proposer_wei, count(*) as blocks_rewarded, max(r.load_id::numeric) as load_id
    from days
    join {{ ref('stg_ethereum__block_rewards') }} as r
        on r.chain = days.chain and r.slot between days.first_slot and days.last_slot
    group by 1, 2, 3, 4

),

sync as (

    select days.chain, r.validator_index, days.day, days.period_seq,
           sum(r.reward_wei) as sync_wei, -sum(least(r.reward_wei, 0)) as sync_penalties_wei, max(r.load_id::numeric) as load_id
    from days
    join {{ ref('stg_ethereum__sync_committee_rewards') }} as r
        on r.chain = days.chain and r.slot between days.first_slot and days.last_slot
    -- the listed days' slots only: an index scan (macros/build_state.sql) when the days are a
    -- build's few, where a mainnet day adds 3.6 million rows the join would otherwise scan
    where r.slot between (select min(first_slot) from days) and (select max(last_slot) from days)
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
