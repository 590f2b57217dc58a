-- books.yaml names validators as operators.yaml does: Solana vote accounts, Ethereum indices or
-- 0x pubkeys. The marts key Ethereum rows by index: a pubkey is matched through the validator
-- states the beacon node reported (until one is loaded, the pubkey matches no row).
with

listed as (

    select chain, validator from {{ ref('ownership_terms') }}
    union
    select chain, validator from {{ ref('cost_line_validators') }}

),

known as (

    -- the pubkeys listed only: every build reads this view (macros/period_queue.sql), and
    -- without 0x names it reads no validator state at all
    select distinct chain, validator_index::text as validator_key, lower(pubkey) as pubkey
    from {{ ref('stg_ethereum__validator_states') }}
    where lower(pubkey) in (select validator from listed where validator like '0x%')

)

select distinct
    listed.chain,
    listed.validator,
    coalesce(known.validator_key, listed.validator) as validator_key

from listed
left join known
    on known.chain = listed.chain
    and listed.validator like '0x%'
    and known.pubkey = listed.validator
