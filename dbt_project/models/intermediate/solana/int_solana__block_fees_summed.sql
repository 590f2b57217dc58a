-- Leader income per vote account and epoch: the Fee rewards of its produced blocks. The base and
-- priority split is given only when every produced block came with its transactions and its parts
-- add up to its Fee reward; a block whose parts do not (has_fee_split_mismatch) keeps its Fee
-- reward in the total, voids the epoch's split and flags the row. There is never a split for an
-- epoch whose blocks were not fetched (network-wide without a scan, or no leader schedule and no
-- scan: the rows say block_fees_not_scanned or leader_schedule_unknown).
with

identities as (

    select * from {{ ref('int_solana__vote_identities_resolved') }}

),

blocks as (

    select * from {{ ref('stg_solana__blocks') }}

),

unfetched as (

    select chain, period_seq as epoch from {{ ref('stg_solana__period_loads') }} where block_source in ('none', 'unknown')

),

summed as (

    select
        identities.chain,
        identities.vote_pubkey,
        identities.epoch,
        count(blocks.slot) as leader_slots_fetched,
        count(blocks.slot) filter (where blocks.is_produced) as blocks_produced,
        count(blocks.slot) filter (where not blocks.is_produced) as blocks_skipped,
        count(blocks.slot) filter (where blocks.is_produced and blocks.has_fee_split_mismatch) as blocks_fee_split_mismatched,
        coalesce(sum(blocks.fee_reward_lamports) filter (where blocks.is_produced), 0) as block_fees_lamports,
        coalesce(bool_and(coalesce(blocks.has_fee_split, false) and not coalesce(blocks.has_fee_split_mismatch, false))
            filter (where blocks.is_produced), true)
            and unfetched.epoch is null
            as has_complete_split,
        coalesce(sum(blocks.base_fee_lamports) filter (where blocks.is_produced), 0) as base_sum,
        coalesce(sum(blocks.priority_fee_lamports) filter (where blocks.is_produced), 0) as priority_sum,
        max(blocks.load_id::numeric) as load_id

    from identities
    left join blocks
        on blocks.chain = identities.chain
        and blocks.epoch = identities.epoch
        and blocks.identity_pubkey = identities.identity_pubkey
    left join unfetched on unfetched.chain = identities.chain and unfetched.epoch = identities.epoch
    group by identities.chain, identities.vote_pubkey, identities.epoch, unfetched.epoch

)

select
    chain,
    vote_pubkey,
    epoch,
    leader_slots_fetched,
    blocks_produced,
    blocks_skipped,
    blocks_fee_split_mismatched,
    blocks_fee_split_mismatched > 0 as has_fee_split_mismatch,
    block_fees_lamports,
    case when has_complete_split then base_sum end as base_fees_lamports,
    case when has_complete_split then priority_sum end as priority_fees_lamports,
    load_id

from summed
