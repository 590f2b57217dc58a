-- Items still rejected (their responses stayed malformed): per chain, period and validator; a
-- null validator_key means the gap touches every validator of the period. A rejected re-fetch of
-- an item that never changes (a block, a past inflation reward, a block time) is no gap when an
-- earlier load already holds it; Jito figures are restated until final, and a relay that did not
-- answer may have delivered the block, so those always count.
with

rejections as (

    select * from {{ ref('stg_solana__rejected_items') }} where is_open
    union all
    select * from {{ ref('stg_ethereum__rejected_items') }} where is_open

),

solana_covered as (

    select r.item_key
    from rejections as r
    join {{ ref('stg_solana__blocks') }} as b
        on b.chain = r.chain and r.item_key = 'getBlock:slot=' || b.slot

    union all

    select r.item_key
    from rejections as r
    join {{ ref('stg_solana__inflation_rewards') }} as i
        on i.chain = r.chain and r.item_key = 'getInflationReward:epoch=' || i.epoch || ':vote=' || i.vote_pubkey

    union all

    select r.item_key
    from rejections as r
    join {{ ref('stg_solana__epoch_boundaries') }} as e
        on e.chain = r.chain and r.item_key = 'getBlockTime:epoch=' || e.epoch

    union all

    select r.item_key
    from rejections as r
    join {{ ref('stg_ethereum__beacon_blocks') }} as b
        on b.chain = r.chain and r.item_key in ('block:slot=' || b.slot)

    union all

    select r.item_key
    from rejections as r
    join {{ ref('stg_ethereum__block_rewards') }} as b
        on b.chain = r.chain and r.item_key = 'block_rewards:slot=' || b.slot

    union all

    select r.item_key
    from rejections as r
    join {{ ref('stg_ethereum__execution_blocks') }} as b
        on b.chain = r.chain and r.item_key = 'execution_block:number=' || b.block_number

)

select
    chain,
    period_id,
    validator_key,
    count(*) as open_rejections

from rejections
where item_key not in (select item_key from solana_covered)
group by chain, period_id, validator_key
