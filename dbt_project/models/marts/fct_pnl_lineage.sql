{{ config(materialized='view') }}

-- For every P&L row and component, the archived provider responses it was computed from:
--   select * from marts.fct_pnl_lineage
--   where chain = 'solana' and validator_key = '<vote>' and period_id = '812' and component = 'block_fees';
-- body_sha256 and body (raw_<chain>.http_responses) let anyone re-derive the number.
with

identities as (

    select * from {{ ref('int_solana__vote_identities_resolved') }}

),

solana_sources as (

    select chain, vote_pubkey as validator_key, epoch::text as period_id, 'issuance' as component, response_id
    from {{ ref('stg_solana__inflation_rewards') }}

    union all

    select b.chain, i.vote_pubkey, b.epoch::text, 'block_fees', b.response_id
    from {{ ref('stg_solana__blocks') }} as b
    join identities as i on i.chain = b.chain and i.epoch = b.epoch and i.identity_pubkey = b.identity_pubkey

    union all

    select chain, vote_pubkey, epoch::text, 'mev', response_id
    from {{ ref('stg_jito__validators') }}

    union all

    select chain, vote_pubkey, epoch::text, 'priority_fee_sharing', response_id
    from {{ ref('stg_jito__validators') }}

    union all

    select chain, vote_pubkey, epoch::text, 'vote_costs', response_id
    from {{ ref('stg_solana__epoch_credits') }}

),

responses as (

    select * from {{ ref('stg_solana__http_responses') }}

)

select distinct
    sources.chain,
    sources.validator_key,
    sources.period_id,
    sources.component,
    sources.response_id,
    responses.provider,
    responses.endpoint,
    responses.url,
    responses.params,
    responses.fetched_at,
    responses.http_status,
    responses.body_sha256,
    responses.body_bytes,
    responses.load_id

from solana_sources as sources
join responses on responses.response_id = sources.response_id
