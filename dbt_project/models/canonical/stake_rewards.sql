{{ config(unique_key=['chain', 'period_id', 'validator_key'], indexes=[{'columns': ['chain', 'period_seq']}], pre_hook=["set local enable_nestloop = off", "set local enable_sort = off", "{{ restrict_views_to_build_periods() }}"]) }}

-- No nested loops in this model's transaction (as validator_meta): the Ethereum views it reads
-- (whole-day joins on keys cast to text in staging, whose statistics it cannot see) are estimated
-- at one row, and the planner nested loops over them, each loop scanning the whole day: a
-- network-wide day's cost grew with the square of the validators (0.53 s → 0.12 s at 2,000
-- validators x 1 day in EXPLAIN ANALYZE, nested loops on vs off; docs/operations.md).
-- Nor sorts where a hash serves: the sync-committee rewards' slot-range join to the days is
-- estimated at ~2,000 rows where a mainnet day has 3.6 million, so the planner sorted them all
-- (on disk) to group them into ~1,000 validators; hashed, int_ethereum__block_rewards_summed
-- takes ~3 s instead of ~8 at any validator count (EXPLAIN ANALYZE of this model's select on a
-- mainnet-shaped day of 200,000 validators: 6.9 s → 4.6 s).

-- Issuance per validator and period. Solana: the vote account's inflation commission for the
-- epoch (getInflationReward), credited in the first block of the next epoch. Ethereum: net
-- consensus rewards of the day (attestations of its epochs, proposer and sync rewards of its
-- blocks), with the negative components also shown as penalties.
with

build_periods as (

    {{ lookback_periods([ref('stg_solana__inflation_rewards'), [ref('stg_ethereum__day_windows'), 'period_seq']], 'epoch') }}

),

-- The Ethereum sums are views over all history, left joined per validator and day below. The
-- planner, expecting one validator-day where there are a thousand, would recompute a view for
-- each (a nested loop): computed once here, for the build's periods only, and kept (materialized).
attestations as materialized (

    select a.*
    from {{ ref('int_ethereum__attestation_rewards_summed') }} as a
    join build_periods as b on b.chain = a.chain and b.period_seq = a.period_seq

),

block_rewards as materialized (

    select k.*
    from {{ ref('int_ethereum__block_rewards_summed') }} as k
    join build_periods as b on b.chain = k.chain and b.period_seq = k.period_seq

),

solana as (

    select
        r.chain,
        r.vote_pubkey as validator_key,
        r.epoch::text as period_id,
        r.epoch::bigint as period_seq,
        r.amount_lamports::numeric as issuance_base_units,
        0::numeric as penalties_base_units,
        null::numeric as attestation_base_units,
        null::numeric as head_base_units,
        null::numeric as target_base_units,
        null::numeric as source_base_units,
        null::numeric as inclusion_delay_base_units,
        null::numeric as inactivity_base_units,
        null::numeric as proposer_base_units,
        null::numeric as sync_base_units,
        r.is_rewarded,
        r.commission_bps::integer as commission_bps,
        r.effective_slot::bigint as paid_slot,
        r.response_id,
        r.load_id::numeric as source_load_id

    from {{ ref('stg_solana__inflation_rewards') }} as r
    join build_periods as b on b.chain = r.chain and b.period_seq = r.epoch

),

ethereum as (

    select
        g.chain,
        g.validator_index::text as validator_key,
        g.day::text as period_id,
        g.period_seq,
        coalesce(a.attestation_wei, 0) + coalesce(k.proposer_wei, 0) + coalesce(k.sync_wei, 0) as issuance_base_units,
        coalesce(a.penalties_wei, 0) + coalesce(k.sync_penalties_wei, 0) as penalties_base_units,
        coalesce(a.attestation_wei, 0) as attestation_base_units,
        coalesce(a.head_wei, 0) as head_base_units,
        coalesce(a.target_wei, 0) as target_base_units,
        coalesce(a.source_wei, 0) as source_base_units,
        coalesce(a.inclusion_delay_wei, 0) as inclusion_delay_base_units,
        coalesce(a.inactivity_wei, 0) as inactivity_base_units,
        coalesce(k.proposer_wei, 0) as proposer_base_units,
        coalesce(k.sync_wei, 0) as sync_base_units,
        a.validator_index is not null as is_rewarded,
        null::integer as commission_bps,
        null::bigint as paid_slot,
        null::text as response_id,
        coalesce(greatest(a.load_id, k.load_id), 0) as source_load_id

    from {{ ref('int_ethereum__validator_days_listed') }} as g
    join build_periods as b on b.chain = g.chain and b.period_seq = g.period_seq
    left join attestations as a
        on a.chain = g.chain and a.validator_index = g.validator_index and a.day = g.day
    left join block_rewards as k
        on k.chain = g.chain and k.validator_index = g.validator_index and k.day = g.day

)

select * from solana
union all
select * from ethereum
