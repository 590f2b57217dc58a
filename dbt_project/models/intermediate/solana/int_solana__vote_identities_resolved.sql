-- Which identity (block producer, vote fee payer) a vote account used in an epoch. Nodes only
-- report the identity as of now: take Jito's record for the epoch when there is one, else the
-- earliest snapshot taken in or after the epoch, else the latest snapshot before it.
with

grid as (

    select chain, vote_pubkey, epoch from {{ ref('int_solana__validator_epochs_listed') }}

),

jito as (

    select chain, vote_pubkey, epoch, identity_pubkey
    from {{ ref('stg_jito__validators') }}
    where identity_pubkey is not null

)

select
    grid.chain,
    grid.vote_pubkey,
    grid.epoch,
    coalesce(jito.identity_pubkey, later.identity_pubkey, earlier.identity_pubkey) as identity_pubkey

from grid
left join jito
    on jito.chain = grid.chain and jito.vote_pubkey = grid.vote_pubkey and jito.epoch = grid.epoch
left join lateral (
    select s.identity_pubkey
    from {{ ref('stg_solana__vote_accounts') }} as s
    where s.chain = grid.chain and s.vote_pubkey = grid.vote_pubkey and s.snapshot_epoch >= grid.epoch
    order by s.snapshot_epoch
    limit 1
) as later on true
left join lateral (
    select s.identity_pubkey
    from {{ ref('stg_solana__vote_accounts') }} as s
    where s.chain = grid.chain and s.vote_pubkey = grid.vote_pubkey and s.snapshot_epoch < grid.epoch
    order by s.snapshot_epoch desc
    limit 1
) as earlier on true
