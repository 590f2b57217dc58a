{{ config(unique_key=['chain', 'period_id', 'validator_key'], indexes=[{'columns': ['chain', 'period_seq']}]) }}

-- Protocol costs per validator and period. Solana: vote fees, estimated from vote credits. A
-- snapshot reports the last five epochs' credits, so it touches those five periods.
with

build_periods as (

    {{ lookback_periods([ref('stg_solana__inflation_rewards'), ref('stg_solana__epoch_credits'), [
        '(select chain, snapshot_epoch - k.n as epoch, load_id from ' ~ ref('stg_solana__vote_accounts') ~ ' cross join generate_series(0, 4) as k(n)) as snapshot_window',
        'epoch'
    ]], 'epoch') }}

),

solana as (

    select
        c.chain,
        c.vote_pubkey as validator_key,
        c.epoch::text as period_id,
        c.epoch::bigint as period_seq,
        c.credits_earned::bigint as vote_credits,
        c.votes_estimated::bigint as votes_estimated,
        c.vote_costs_lamports::numeric as vote_costs_base_units,
        true as is_estimate,
        c.is_known,
        c.is_credits_complete as is_complete,
        coalesce(c.load_id, 0) as source_load_id

    from {{ ref('int_solana__vote_costs_estimated') }} as c
    join build_periods as b on b.chain = c.chain and b.period_seq = c.epoch

)

select * from solana
