-- The Solana rows a load covered: every tracked vote account (operators.yaml) in every loaded
-- epoch, and every vote account the loader asked getInflationReward for (network-wide: every
-- vote account of the snapshot; null answers and failed ones included).
with

loads as (

    select chain, period_seq as epoch, load_id from {{ ref('stg_solana__period_loads') }}

),

tracked as (

    select chain, validator as vote_pubkey from {{ ref('operator_validators') }}

),

asked as (

    select chain, vote_pubkey, epoch, load_id from {{ ref('stg_solana__inflation_rewards') }}
    union all
    select chain, validator_key, split_part(split_part(item_key, 'epoch=', 2), ':', 1)::bigint, load_id
    from {{ ref('stg_solana__rejected_items') }}
    where item_key like 'getInflationReward:epoch=%' and validator_key is not null

),

rows_ as (

    select loads.chain, tracked.vote_pubkey, loads.epoch, loads.load_id
    from loads
    join tracked on tracked.chain = loads.chain
    union all
    select chain, vote_pubkey, epoch, load_id from asked

)

select chain, vote_pubkey, epoch, max(load_id) as load_id
from rows_
group by chain, vote_pubkey, epoch
