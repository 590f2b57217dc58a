{{ config(materialized='view') }}

-- For every P&L row and component, the archived provider responses it was computed from:
--   select * from marts.fct_pnl_lineage
--   where chain = 'solana' and validator_key = '<vote>' and period_id = '812' and component = 'block_fees';
-- body_sha256 and the body it names (raw_<chain>.http_bodies, while has_body) let anyone re-derive the number.
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

ethereum_days as (

    select * from {{ ref('int_ethereum__days_listed') }}

),

ethereum_sources as (

    select a.chain, a.validator_index::text, d.day::text, 'issuance', a.response_id
    from {{ ref('stg_ethereum__attestation_rewards') }} as a
    join ethereum_days as d on d.chain = a.chain and a.epoch between d.first_epoch and d.last_epoch

    union all

    select a.chain, a.validator_index::text, d.day::text, 'penalties', a.response_id
    from {{ ref('stg_ethereum__attestation_rewards') }} as a
    join ethereum_days as d on d.chain = a.chain and a.epoch between d.first_epoch and d.last_epoch
    where least(a.head_wei, a.target_wei, a.source_wei, a.inclusion_delay_wei, a.inactivity_wei) < 0

    union all

    -- Day grain: the answers summed into the validator-day's totals (each asked for an index
    -- range holding the validator), when the day's latest load wrote them, as the P&L takes them.
    select s.chain, s.validator_index::text, d.day::text, c.component, b.response_id
    from {{ ref('stg_ethereum__attestation_rewards_daily') }} as s
    join ethereum_days as d on d.chain = s.chain and d.day = s.day and d.load_id = s.load_id::numeric
    join {{ ref('stg_ethereum__attestation_rewards_daily_batches') }} as b
        on b.chain = s.chain and b.day = s.day and b.load_id = s.load_id
        and s.validator_index between b.first_index and b.last_index
        and b.epoch between d.first_epoch and d.last_epoch
    cross join lateral (
        select 'issuance' as component
        union all
        select 'penalties' where s.penalties_wei > 0
    ) as c

    union all

    select r.chain, r.proposer_index::text, d.day::text, 'issuance', r.response_id
    from {{ ref('stg_ethereum__block_rewards') }} as r
    join ethereum_days as d on d.chain = r.chain and r.slot between d.first_slot and d.last_slot

    union all

    select r.chain, r.validator_index::text, d.day::text, 'issuance', r.response_id
    from {{ ref('stg_ethereum__sync_committee_rewards') }} as r
    join ethereum_days as d on d.chain = r.chain and r.slot between d.first_slot and d.last_slot

    union all

    select p.chain, p.validator_index::text, p.day::text, case when p.is_relayed then 'mev' else 'block_fees' end, t.response_id
    from {{ ref('int_ethereum__proposals_classified') }} as p
    join {{ ref('stg_ethereum__execution_transactions') }} as t on t.chain = p.chain and t.block_number = p.block_number

    union all

    select p.chain, p.validator_index::text, p.day::text, 'mev', t.block_response_id
    from {{ ref('int_ethereum__proposals_classified') }} as p
    join {{ ref('stg_ethereum__execution_transactions') }} as t on t.chain = p.chain and t.block_number = p.block_number
    where p.is_relayed and t.block_response_id is not null

    union all

    select p.chain, p.validator_index::text, p.day::text, 'mev', r.response_id
    from {{ ref('int_ethereum__proposals_classified') }} as p
    join {{ ref('stg_ethereum__relay_payloads') }} as r on r.chain = p.chain and r.slot = p.slot

),

all_sources as (

    select * from solana_sources
    union all
    select * from ethereum_sources

),

responses as (

    select * from {{ ref('stg_solana__http_responses') }}
    union all
    select * from {{ ref('stg_ethereum__http_responses') }}

),

bodies as (

    select body_sha256 from {{ ref('stg_solana__http_bodies') }}
    union all
    select body_sha256 from {{ ref('stg_ethereum__http_bodies') }}

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
    responses.params_sha256,
    responses.fetched_at,
    responses.http_status,
    responses.body_sha256,
    responses.body_bytes,
    responses.load_id,
    exists (select 1 from bodies where bodies.body_sha256 = responses.body_sha256) as has_body

from all_sources as sources
join responses on responses.response_id = sources.response_id
