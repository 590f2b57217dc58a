-- operators.yaml lists Ethereum validators by index or by pubkey: match either.
with

listed as (

    select * from {{ ref('operator_validators') }}

),

known as (

    -- the validators listed only: a distinct over every state of every day (a million
    -- validators a day, network-wide) grew with the history, for the few an operator lists
    select distinct s.chain, s.validator_index, s.pubkey
    from {{ ref('stg_ethereum__validator_states') }} as s
    where ((s.chain, s.validator_index::text) in (select chain, validator from listed)
        or (s.chain, s.pubkey) in (select chain, validator from listed))
      -- decided once, before the scan: with nobody listed (network-wide only) no state is read
      -- (100,000 validators x 7 days: 0.48 s, growing with the history, for no row)
      and exists (select 1 from listed)

)

-- Two equality joins, by index then by pubkey: one join on "index or pubkey" compared every
-- listed validator with every other (10,000 listed: 9.8 s each time the view is read; 0.02 s
-- as two).
select known.chain, known.validator_index, listed.operator
from known
join listed on listed.chain = known.chain and listed.validator = known.validator_index::text

union

select known.chain, known.validator_index, listed.operator
from known
join listed on listed.chain = known.chain and listed.validator = known.pubkey
