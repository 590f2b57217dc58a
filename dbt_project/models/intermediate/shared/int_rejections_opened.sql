-- A table: it reads both chains (see int_periods_expected for why that matters).
{{ config(materialized='table') }}

-- Items still rejected: per chain, period, validator and the gap they leave (response_rejected,
-- provider_failed:<role>, history_unavailable); a null validator_key means the gap touches every
-- validator of the period. A rejected re-fetch of an item that never changes (a block, a past
-- inflation reward, a block time, a queue at a state) is no gap when an earlier load already holds it; Jito figures
-- are restated until settled, and a relay that did not answer may have delivered the block, so
-- those always count. Price rejections are per date (int_pnl_gaps_listed reads them).
with

rejections as (

    select * from {{ ref('stg_solana__rejected_items') }} where is_open
    union all
    select * from {{ ref('stg_ethereum__rejected_items') }} where is_open

),

held as (

    select chain, 'getBlock:slot=' || slot as item_key from {{ ref('stg_solana__blocks') }}
    union all
    select chain, 'getInflationReward:epoch=' || epoch || ':vote=' || vote_pubkey from {{ ref('stg_solana__inflation_rewards') }}
    union all
    select chain, 'getBlockTime:epoch=' || epoch from {{ ref('stg_solana__epoch_boundaries') }}
    union all
    select chain, 'block:slot=' || slot from {{ ref('stg_ethereum__beacon_blocks') }}
    union all
    select chain, 'block_rewards:slot=' || slot from {{ ref('stg_ethereum__block_rewards') }}
    union all
    select chain, 'execution_block:number=' || block_number from {{ ref('stg_ethereum__execution_blocks') }}
    union all
    -- a queue read at a (finalized) state never changes
    select chain, queue || ':state=' || state_slot from {{ ref('stg_ethereum__queue_snapshots') }}

)

select
    chain,
    period_id,
    validator_key,
    gap,
    count(*) as open_rejections

from rejections as r
where not exists (select 1 from held as h where h.chain = r.chain and h.item_key = r.item_key)
group by chain, period_id, validator_key, gap
