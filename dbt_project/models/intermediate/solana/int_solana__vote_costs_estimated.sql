-- Vote fees paid by the identity, estimated from vote credits: a vote landing in time earns
-- vote_credits_per_vote credits (16 since SIMD-0033) and pays lamports_per_signature. Late votes
-- earn fewer credits, so this undercounts for validators that vote late; rows say it is an estimate.
--
-- getVoteAccounts lists credits only for epochs with votes, and at least the last five epochs
-- before each snapshot. So an epoch with no entry is a zero when a snapshot taken within four
-- epochs after it saw the vote account, and unknown (a data gap) otherwise.
with

grid as (

    select chain, vote_pubkey, epoch, load_id from {{ ref('int_solana__validator_epochs_listed') }}

),

credits as (

    select * from {{ ref('stg_solana__epoch_credits') }}

),

coverage as (

    select
        grid.chain,
        grid.vote_pubkey,
        grid.epoch,
        bool_or(snapshots.snapshot_epoch is not null) as is_observed,
        bool_or(snapshots.snapshot_epoch > grid.epoch) as is_observed_after,
        max(snapshots.load_id::numeric) as load_id

    from grid
    left join {{ ref('stg_solana__vote_accounts') }} as snapshots
        on snapshots.chain = grid.chain
        and snapshots.vote_pubkey = grid.vote_pubkey
        and snapshots.snapshot_epoch between grid.epoch and grid.epoch + 4
    group by grid.chain, grid.vote_pubkey, grid.epoch

),

chains as (

    select chain, vote_credits_per_vote, lamports_per_signature from {{ ref('chains') }}

),

known as (

    select
        coverage.chain,
        coverage.vote_pubkey,
        coverage.epoch,
        case
            when credits.vote_pubkey is not null then credits.credits_earned
            when coverage.is_observed then 0
        end as credits_earned,
        coalesce(credits.is_complete, coverage.is_observed_after, false) as is_credits_complete,
        greatest(credits.load_id::numeric, coverage.load_id) as load_id

    from coverage
    left join credits
        on credits.chain = coverage.chain and credits.vote_pubkey = coverage.vote_pubkey and credits.epoch = coverage.epoch

)

select
    known.chain,
    known.vote_pubkey,
    known.epoch,
    known.credits_earned,
    known.credits_earned is not null as is_known,
    known.is_credits_complete,
    ceil(known.credits_earned::numeric / chains.vote_credits_per_vote) as votes_estimated,
    ceil(known.credits_earned::numeric / chains.vote_credits_per_vote) * chains.lamports_per_signature as vote_costs_lamports,
    known.load_id

from known
join chains on chains.chain = known.chain
