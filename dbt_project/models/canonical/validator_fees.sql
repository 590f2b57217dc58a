{{ config(unique_key=['chain', 'period_id', 'validator_key'], indexes=[{'columns': ['chain', 'period_seq']}], pre_hook=["set local enable_nestloop = off", "set local enable_mergejoin = off", "{{ restrict_views_to_build_periods() }}"]) }}

-- No nested loops in this model's transaction (as validator_meta): the Ethereum views it reads
-- (whole-day joins on keys cast to text in staging, whose statistics it cannot see) are estimated
-- at one row, and the planner nested loops over them, each loop scanning the whole day: a
-- network-wide day's cost grew with the square of the validators (1.5 s → 0.10 s at 2,000
-- validators x 1 day in EXPLAIN ANALYZE, nested loops on vs off; docs/operations.md).
-- Nor merge joins (as balance_reconciliations): estimating the proposals at one row, the planner
-- merged them with the relays' claims on the chain alone and filtered slot and hash out of every
-- pair (43 million pairs on a mainnet-shaped day; EXPLAIN ANALYZE of this model's select at
-- 200,000 validators: 8.0 s → 4.3 s with hash joins).

-- Block fee income per validator and period. Solana: the leader's Fee rewards in its produced
-- blocks (base fee 50% burned, priority fee 100% to the leader since SIMD-0096, 50% before); the
-- base/priority split only where every block's parts add up to its Fee reward, else the row is
-- flagged (has_fee_split_mismatch) and the Fee rewards stand as block fees. Ethereum: the
-- priority fees of the locally built blocks it proposed (relayed blocks' fees are the builder's).
with

build_periods as (

    {{ lookback_periods([ref('stg_solana__inflation_rewards'), ref('stg_solana__blocks'), ref('stg_jito__validators'), [ref('stg_solana__vote_accounts'), 'snapshot_epoch'], [ref('stg_ethereum__day_windows'), 'period_seq']], 'epoch') }}

),

solana as (

    select
        f.chain,
        f.vote_pubkey as validator_key,
        f.epoch::text as period_id,
        f.epoch::bigint as period_seq,
        f.block_fees_lamports::numeric as block_fees_base_units,
        f.base_fees_lamports::numeric as base_fees_base_units,
        f.priority_fees_lamports::numeric as priority_fees_base_units,
        f.leader_slots_fetched::bigint as leader_slots_fetched,
        f.blocks_produced::bigint as blocks_produced,
        f.blocks_skipped::bigint as blocks_skipped,
        f.has_fee_split_mismatch,
        f.blocks_fee_split_mismatched::bigint as blocks_fee_split_mismatched,
        coalesce(f.load_id, 0) as source_load_id

    from {{ ref('int_solana__block_fees_summed') }} as f
    join build_periods as b on b.chain = f.chain and b.period_seq = f.epoch

),

ethereum_proposals as (

    select p.chain, p.validator_index::text as validator_key, p.day::text as period_id,
           sum(p.priority_fees_wei) as priority_fees_wei, max(p.load_id) as load_id
    from {{ ref('int_ethereum__proposals_classified') }} as p
    join build_periods as b on b.chain = p.chain and b.period_seq = p.period_seq
    group by p.chain, p.validator_index, p.day

),

ethereum_duties as (

    select d.chain, d.validator_index::text as validator_key, d.day::text as period_id,
           d.proposals_due, d.blocks_produced, d.proposals_missed
    from {{ ref('int_ethereum__proposer_duties_summed') }} as d
    join build_periods as b on b.chain = d.chain and b.period_seq = d.period_seq

),

ethereum as (

    -- The grid and its states' loads from canonical.validator_meta, built before this model from
    -- the same days (the same lookback inputs): recomputing the grid and joining two states per
    -- validator-day again here was this model's cost on a network-wide day.
    select
        m.chain,
        m.validator_key,
        m.period_id,
        m.period_seq,
        coalesce(p.priority_fees_wei, 0) as block_fees_base_units,
        null::numeric as base_fees_base_units,
        null::numeric as priority_fees_base_units,
        coalesce(d.proposals_due, 0)::bigint as leader_slots_fetched,
        coalesce(d.blocks_produced, 0)::bigint as blocks_produced,
        coalesce(d.proposals_missed, 0)::bigint as blocks_skipped,
        false as has_fee_split_mismatch,
        0::bigint as blocks_fee_split_mismatched,
        greatest(m.source_load_id, p.load_id) as source_load_id

    from {{ ref('validator_meta') }} as m
    join build_periods as b on b.chain = m.chain and b.period_seq = m.period_seq
    join {{ ref('chains') }} as chains on chains.chain = m.chain and chains.family = 'ethereum'
    left join ethereum_duties as d on d.chain = m.chain and d.validator_key = m.validator_key and d.period_id = m.period_id
    left join ethereum_proposals as p on p.chain = m.chain and p.validator_key = m.validator_key and p.period_id = m.period_id

)

select * from solana
union all
select * from ethereum
