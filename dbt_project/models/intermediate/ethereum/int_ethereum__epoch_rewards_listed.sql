-- Consensus rewards per validator and epoch, for users who want epoch grain: attestation
-- components of the epoch, plus proposer and sync rewards of its slots.
with

attestations as (

    select * from {{ ref('stg_ethereum__attestation_rewards') }}

),

clock as (

    select chain, max(slots_per_epoch) as slots_per_epoch from {{ ref('stg_ethereum__beacon_snapshots') }} group by chain

),

proposer as (

    select r.chain, r.proposer_index as validator_index, r.slot / clock.slots_per_epoch as epoch, sum(r.total_wei) as proposer_wei
    from {{ ref('stg_ethereum__block_rewards') }} as r join clock on clock.chain = r.chain
    group by 1, 2, 3

),

sync as (

    select r.chain, r.validator_index, r.slot / clock.slots_per_epoch as epoch, sum(r.reward_wei) as sync_wei
    from {{ ref('stg_ethereum__sync_committee_rewards') }} as r join clock on clock.chain = r.chain
    group by 1, 2, 3

)

select
    a.chain,
    a.validator_index,
    a.epoch,
    a.head_wei,
    a.target_wei,
    a.source_wei,
    a.inclusion_delay_wei,
    a.inactivity_wei,
    coalesce(proposer.proposer_wei, 0) as proposer_wei,
    coalesce(sync.sync_wei, 0) as sync_wei,
    a.load_id::numeric as load_id

from attestations as a
left join proposer on proposer.chain = a.chain and proposer.validator_index = a.validator_index and proposer.epoch = a.epoch
left join sync on sync.chain = a.chain and sync.validator_index = a.validator_index and sync.epoch = a.epoch
