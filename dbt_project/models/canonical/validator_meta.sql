{{ config(
    unique_key=['chain', 'period_id', 'validator_key'],
    indexes=[{'columns': ['chain', 'period_seq']}, {'columns': ['source_load_id']}],
    pre_hook=["set local enable_nestloop = off", "{{ restrict_views_to_build_periods() }}"],
) }}

-- Indexed on source_load_id too: validator_identities reads the rows of loads newer than its own.

-- No nested loops in this model's transaction: the planner estimates the joins of
-- int_solana__validator_meta_joined (nine whole-history inputs, joined on cast text keys whose
-- statistics it cannot see) at one row, and nested them, each loop scanning all history: the
-- build's cost grew with the square of the history (3.1 s at 61 epochs x 12 validators, EXPLAIN
-- ANALYZE; 0.09 s with hash joins). `set local` ends with the model's transaction.

-- What each validator looked like in each period; its rows are the grid of the P&L mart.
-- Ethereum's identity is the validator's BLS pubkey; its stake, the effective balance.
with

build_periods as (

    {{ lookback_periods([
        ref('stg_solana__inflation_rewards'), [ref('stg_solana__vote_accounts'), 'snapshot_epoch'], ref('stg_jito__validators'),
        ref('stg_solana__blocks'), ref('stg_solana__block_production'), ref('stg_solana__leader_slots'),
        ref('stg_solana__epoch_credits'), [ref('stg_ethereum__day_windows'), 'period_seq']
    ], 'epoch') }}

),

solana as (

    select
        m.chain,
        m.vote_pubkey as validator_key,
        m.epoch::text as period_id,
        m.epoch::bigint as period_seq,
        m.identity_pubkey,
        m.commission_bps::integer as commission_bps,
        m.is_running_jito as is_running_mev,
        m.mev_commission_bps::integer as mev_commission_bps,
        m.priority_fee_commission_bps::integer as priority_fee_commission_bps,
        m.active_stake_lamports::numeric as active_stake_base_units,
        m.is_delinquent,
        m.leader_slots::bigint as leader_slots,
        m.blocks_produced::bigint as blocks_produced,
        m.vote_credits::bigint as vote_credits,
        null::numeric as balance_base_units,
        null::text as status,
        null::boolean as is_slashed,
        m.load_id as source_load_id

    from {{ ref('int_solana__validator_meta_joined') }} as m
    join build_periods as b on b.chain = m.chain and b.period_seq = m.epoch

),

ethereum as (

    select
        m.chain,
        m.validator_index::text as validator_key,
        m.day::text as period_id,
        m.period_seq,
        m.pubkey as identity_pubkey,
        null::integer as commission_bps,
        null::boolean as is_running_mev,
        null::integer as mev_commission_bps,
        null::integer as priority_fee_commission_bps,
        m.effective_balance_wei as active_stake_base_units,
        null::boolean as is_delinquent,
        m.proposals_due::bigint as leader_slots,
        m.blocks_produced::bigint as blocks_produced,
        null::bigint as vote_credits,
        m.balance_end_wei as balance_base_units,
        m.status,
        m.is_slashed,
        coalesce(m.load_id, 0) as source_load_id

    from {{ ref('int_ethereum__validator_meta_joined') }} as m
    join build_periods as b on b.chain = m.chain and b.period_seq = m.period_seq

)

select * from solana
union all
select * from ethereum
