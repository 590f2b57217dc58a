-- What the validator looked like in an epoch: commission in basis points (as credited for the
-- epoch, else as snapshotted during it), Jito settings, stake, delinquency, leader slots and production, credits.
with

grid as (

    select chain, vote_pubkey, epoch, load_id from {{ ref('int_solana__validator_epochs_listed') }}

),

snapshots as (

    select * from {{ ref('stg_solana__vote_accounts') }}

),

schedule as (

    select chain, epoch, identity_pubkey, count(*) as leader_slots, max(load_id::numeric) as load_id
    from {{ ref('stg_solana__leader_slots') }}
    group by chain, epoch, identity_pubkey

),

production as (

    select * from {{ ref('stg_solana__block_production') }} where is_complete

)

select
    grid.chain,
    grid.vote_pubkey,
    grid.epoch,
    identities.identity_pubkey,
    -- The commission the reward answer carried (in basis points); the epoch's own vote-account
    -- snapshot only when there was no reward to carry one (0% commission, no credits).
    coalesce(rewards.commission_bps, snapshots.commission_bps) as commission_bps,
    jito.is_running_jito,
    jito.mev_commission_bps,
    jito.priority_fee_commission_bps,
    coalesce(snapshots.activated_stake_lamports, jito.active_stake_lamports) as active_stake_lamports,
    snapshots.is_delinquent,
    coalesce(production.leader_slots, schedule.leader_slots) as leader_slots,
    coalesce(production.blocks_produced, case when fees.leader_slots_fetched > 0 or schedule.leader_slots is not null then fees.blocks_produced end) as blocks_produced,
    costs.credits_earned as vote_credits,
    greatest(
        grid.load_id::numeric, rewards.load_id::numeric, snapshots.load_id::numeric, jito.load_id::numeric,
        production.load_id::numeric, schedule.load_id, fees.load_id, costs.load_id::numeric
    ) as load_id

from grid
join {{ ref('int_solana__vote_identities_resolved') }} as identities
    on identities.chain = grid.chain and identities.vote_pubkey = grid.vote_pubkey and identities.epoch = grid.epoch
left join {{ ref('stg_solana__inflation_rewards') }} as rewards
    on rewards.chain = grid.chain and rewards.vote_pubkey = grid.vote_pubkey and rewards.epoch = grid.epoch
left join snapshots
    on snapshots.chain = grid.chain and snapshots.vote_pubkey = grid.vote_pubkey and snapshots.snapshot_epoch = grid.epoch
left join {{ ref('int_solana__mev_rewards_split') }} as jito
    on jito.chain = grid.chain and jito.vote_pubkey = grid.vote_pubkey and jito.epoch = grid.epoch
left join production
    on production.chain = grid.chain and production.epoch = grid.epoch and production.identity_pubkey = identities.identity_pubkey
left join schedule
    on schedule.chain = grid.chain and schedule.epoch = grid.epoch and schedule.identity_pubkey = identities.identity_pubkey
left join {{ ref('int_solana__block_fees_summed') }} as fees
    on fees.chain = grid.chain and fees.vote_pubkey = grid.vote_pubkey and fees.epoch = grid.epoch
left join {{ ref('int_solana__vote_costs_estimated') }} as costs
    on costs.chain = grid.chain and costs.vote_pubkey = grid.vote_pubkey and costs.epoch = grid.epoch
