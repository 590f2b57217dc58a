-- Which identity (block producer, vote fee payer) a vote account used in an epoch. Nodes only
-- report the identity as of now, so: the identity the loader matched the epoch's leader slots
-- with (stg_solana__vote_identities: Jito's record for the epoch, a snapshot taken during it, or
-- the candidate the epoch's leader schedule lists), else Jito's record, else the earliest
-- snapshot taken in or after the epoch, else the latest snapshot before it.
with

grid as (

    select chain, vote_pubkey, epoch from {{ ref('int_solana__validator_epochs_listed') }}

),

loader as (

    select chain, vote_pubkey, epoch, identity_pubkey from {{ ref('stg_solana__vote_identities') }}

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
    coalesce(loader.identity_pubkey, jito.identity_pubkey, later.identity_pubkey, earlier.identity_pubkey) as identity_pubkey

from grid
left join loader
    on loader.chain = grid.chain and loader.vote_pubkey = grid.vote_pubkey and loader.epoch = grid.epoch
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
