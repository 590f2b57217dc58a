{{ config(unique_key=['chain', 'slot'], period_merge_deletes=true, indexes=[{'columns': ['chain', 'period_seq']}]) }}

-- Every block a tracked Ethereum validator proposed: relayed (MEV-Boost, by a configured relay or,
-- has_relay_claim false, by one that is not) or locally built, what the relays claimed, what the
-- block paid, and its priority fees.
with

build_periods as (

    {{ lookback_periods([[ref('stg_ethereum__day_windows'), 'period_seq']], 'period_seq') }}

),

ethereum as (

    select
        p.chain,
        p.slot::bigint as slot,
        p.validator_index::text as validator_key,
        p.day::text as period_id,
        p.period_seq,
        p.epoch::bigint as epoch,
        p.block_number::bigint as block_number,
        p.block_hash,
        p.is_relayed,
        p.has_relay_claim,
        p.relays,
        p.paid_to as fee_recipient,
        p.block_reward_wei as proposer_reward_base_units,
        p.mev_claimed_wei as mev_claimed_base_units,
        p.mev_paid_wei as mev_paid_base_units,
        p.priority_fees_wei as priority_fees_base_units,
        p.is_unexpected_fee_recipient,
        p.load_id as source_load_id

    from {{ ref('int_ethereum__proposals_classified') }} as p
    join build_periods as b on b.chain = p.chain and b.period_seq = p.period_seq

)

select * from ethereum
