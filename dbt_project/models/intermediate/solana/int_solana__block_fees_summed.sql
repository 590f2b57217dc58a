-- Leader income per vote account and epoch: the Fee rewards of its produced blocks. The base and
-- priority split is given only when every produced block came with its transactions, and never
-- for an epoch whose blocks were not fetched (network-wide without a scan, or no leader schedule
-- and no scan: the rows say block_fees_not_scanned or leader_schedule_unknown).
with

identities as (

    select * from {{ ref('int_solana__vote_identities_resolved') }}

),

blocks as (

    select * from {{ ref('stg_solana__blocks') }}

),

unfetched as (

    select chain, period_seq as epoch from {{ ref('stg_solana__period_loads') }} where block_source in ('none', 'unknown')

)

select
    identities.chain,
    identities.vote_pubkey,
    identities.epoch,
    count(blocks.slot) as leader_slots_fetched,
    count(blocks.slot) filter (where blocks.is_produced) as blocks_produced,
    count(blocks.slot) filter (where not blocks.is_produced) as blocks_skipped,
    coalesce(sum(blocks.fee_reward_lamports) filter (where blocks.is_produced), 0) as block_fees_lamports,
    case
        when bool_and(blocks.has_fee_split) filter (where blocks.is_produced) is not false and unfetched.epoch is null
            then coalesce(sum(blocks.base_fee_lamports) filter (where blocks.is_produced), 0)
    end as base_fees_lamports,
    case
        when bool_and(blocks.has_fee_split) filter (where blocks.is_produced) is not false and unfetched.epoch is null
            then coalesce(sum(blocks.priority_fee_lamports) filter (where blocks.is_produced), 0)
    end as priority_fees_lamports,
    max(blocks.load_id::numeric) as load_id

from identities
left join blocks
    on blocks.chain = identities.chain
    and blocks.epoch = identities.epoch
    and blocks.identity_pubkey = identities.identity_pubkey
left join unfetched on unfetched.chain = identities.chain and unfetched.epoch = identities.epoch
group by identities.chain, identities.vote_pubkey, identities.epoch, unfetched.epoch
