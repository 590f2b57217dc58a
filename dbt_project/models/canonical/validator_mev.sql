{{ config(unique_key=['chain', 'period_id', 'validator_key'], indexes=[{'columns': ['chain', 'period_seq']}], pre_hook=["set local enable_nestloop = off", "set local enable_mergejoin = off", "{{ restrict_views_to_build_periods() }}"]) }}

-- No nested loops in this model's transaction (as validator_meta): the Ethereum views it reads
-- (whole-day joins on keys cast to text in staging, whose statistics it cannot see) are estimated
-- at one row, and the planner nested loops over them, each loop scanning the whole day: a
-- network-wide day's cost grew with the square of the validators (1.2 s → 0.09 s at 2,000
-- validators x 1 day in EXPLAIN ANALYZE, nested loops on vs off; docs/operations.md).
-- Nor merge joins (as balance_reconciliations): estimating the proposals at one row, the planner
-- merged them with the relays' claims on the chain alone and filtered slot and hash out of every
-- pair (43 million pairs on a mainnet-shaped day; EXPLAIN ANALYZE of this model's select at
-- 200,000 validators: 6.9 s → 3.0 s with hash joins).

-- MEV per validator and period. Solana: Jito tips, validator share floor(mev x bps / 10000), and
-- the stakers' part of priority fees shared through Jito's distribution program. Ethereum:
-- MEV-Boost payments actually received (mev_base_units) beside what relays claimed (gross).
with

build_periods as (

    {{ lookback_periods([ref('stg_jito__validators'), [ref('stg_ethereum__day_windows'), 'period_seq']], 'epoch') }}

),

solana as (

    select
        j.chain,
        j.vote_pubkey as validator_key,
        j.epoch::text as period_id,
        j.epoch::bigint as period_seq,
        coalesce(j.is_running_jito, false) as is_running_mev,
        j.mev_rewards_lamports::numeric as mev_gross_base_units,
        j.mev_commission_bps::integer as mev_commission_bps,
        j.mev_lamports::numeric as mev_base_units,
        j.priority_fee_rewards_lamports::numeric as priority_fee_rewards_base_units,
        j.priority_fee_commission_bps::integer as priority_fee_commission_bps,
        j.priority_fee_sharing_lamports::numeric as priority_fee_sharing_base_units,
        j.load_id::numeric as source_load_id

    from {{ ref('int_solana__mev_rewards_split') }} as j
    join build_periods as b on b.chain = j.chain and b.period_seq = j.epoch

),

ethereum_proposals as (

    select p.chain, p.validator_index, p.day,
           bool_or(p.is_relayed) as is_running_mev,
           coalesce(sum(p.mev_claimed_wei) filter (where p.is_relayed), 0) as claimed_wei,
           coalesce(sum(p.mev_paid_wei) filter (where p.is_relayed), 0) as paid_wei,
           max(p.load_id) as load_id
    from {{ ref('int_ethereum__proposals_classified') }} as p
    join build_periods as b on b.chain = p.chain and b.period_seq = p.period_seq
    group by p.chain, p.validator_index, p.day

),

ethereum as (

    select
        g.chain,
        g.validator_index::text as validator_key,
        g.day::text as period_id,
        g.period_seq,
        coalesce(p.is_running_mev, false) as is_running_mev,
        coalesce(p.claimed_wei, 0) as mev_gross_base_units,
        null::integer as mev_commission_bps,
        coalesce(p.paid_wei, 0) as mev_base_units,
        0::numeric as priority_fee_rewards_base_units,
        null::integer as priority_fee_commission_bps,
        0::numeric as priority_fee_sharing_base_units,
        coalesce(p.load_id, 0) as source_load_id

    from {{ ref('int_ethereum__validator_days_listed') }} as g
    join build_periods as b on b.chain = g.chain and b.period_seq = g.period_seq
    left join ethereum_proposals as p on p.chain = g.chain and p.validator_index = g.validator_index and p.day = g.day

)

select * from solana
union all
select * from ethereum
