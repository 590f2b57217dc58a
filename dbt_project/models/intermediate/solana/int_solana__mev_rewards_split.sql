-- Jito per vote account and epoch (kobe /api/v1/validators). The tip distribution program pays
-- the validator floor(total x commission_bps / 10000) and the stakers the rest; the same rule
-- splits priority fees sent to the priority fee distribution program, whose stakers' part
-- leaves the validator's income (jito-foundation/jito-programs, merkle tree generation).
select
    chain,
    vote_pubkey,
    epoch,
    is_running_jito,
    mev_commission_bps,
    coalesce(mev_rewards_lamports, 0) as mev_rewards_lamports,
    case
        when mev_rewards_lamports is null or mev_commission_bps is null then 0
        else div(mev_rewards_lamports * mev_commission_bps, 10000)
    end as mev_lamports,
    priority_fee_commission_bps,
    coalesce(priority_fee_rewards_lamports, 0) as priority_fee_rewards_lamports,
    case
        when priority_fee_rewards_lamports is null or priority_fee_commission_bps is null then 0
        else priority_fee_rewards_lamports - div(priority_fee_rewards_lamports * priority_fee_commission_bps, 10000)
    end as priority_fee_sharing_lamports,
    active_stake_lamports,
    load_id

from {{ ref('stg_jito__validators') }}
