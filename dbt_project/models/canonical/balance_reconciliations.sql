{{ config(unique_key=['chain', 'period_id', 'validator_key'], indexes=[{'columns': ['chain', 'period_seq']}], pre_hook=["set local enable_nestloop = off", "set local enable_mergejoin = off", "set local enable_sort = off", "{{ restrict_views_to_build_periods() }}"]) }}

-- No nested loops in this model's transaction (as validator_meta): the Ethereum views it reads
-- (whole-day joins on keys cast to text in staging, whose statistics it cannot see) are estimated
-- at one row, and the planner nested loops over them, each loop scanning the whole day: a
-- network-wide day's cost grew with the square of the validators (10.4 s → 1.5 s at 2,000
-- validators x 1 day in EXPLAIN ANALYZE, nested loops on vs off; docs/operations.md).
-- Nor merge joins: estimating a side at one or two rows, the planner then merged the day's
-- validator-days with the attestation sums on (chain, day) alone and filtered the validator
-- out of every pair (100 million pairs at 10,000 validators: 30.8 s; 1.05 s with hash joins).
-- Nor sorts where a hash serves: the sync-committee rewards' slot-range join to the days is
-- estimated at ~2,000 rows where a mainnet day has 3.6 million, so the planner sorted them all
-- (on disk) to group them into ~1,000 validators; hashed, int_ethereum__block_rewards_summed
-- takes ~3 s instead of ~8 at any validator count (EXPLAIN ANALYZE of this model's select on a
-- mainnet-shaped day of 200,000 validators: 9.9 s → 6.9 s).

-- The Ethereum balance check per validator and day (see int_ethereum__balances_reconciled).
with

build_periods as (

    {{ lookback_periods([[ref('stg_ethereum__day_windows'), 'period_seq']], 'period_seq') }}

),

ethereum as (

    select
        r.chain,
        r.validator_index::text as validator_key,
        r.day::text as period_id,
        r.period_seq,
        r.balance_start_base_units,
        r.balance_end_base_units,
        r.deposits_base_units,
        r.withdrawals_base_units,
        r.consolidated_in_base_units,
        r.consolidated_out_base_units,
        r.balance_change_base_units,
        r.rewards_credited_base_units,
        r.residual_base_units,
        r.is_checkable,
        r.is_slashed_in_day,
        coalesce(r.load_id, 0) as source_load_id

    from (
        select
            chain, validator_index, day, period_seq, is_checkable, is_slashed_in_day, load_id,
            balance_start_wei as balance_start_base_units,
            balance_end_wei as balance_end_base_units,
            deposits_wei as deposits_base_units,
            withdrawals_wei as withdrawals_base_units,
            consolidated_in_wei as consolidated_in_base_units,
            consolidated_out_wei as consolidated_out_base_units,
            balance_change_wei as balance_change_base_units,
            rewards_credited_wei as rewards_credited_base_units,
            residual_wei as residual_base_units
        from {{ ref('int_ethereum__balances_reconciled') }}
    ) as r
    join build_periods as b on b.chain = r.chain and b.period_seq = r.period_seq

)

select * from ethereum
