-- operators.yaml lists Ethereum validators by index or by pubkey: match either.
with

known as (

    select distinct chain, validator_index, pubkey
    from {{ ref('stg_ethereum__validator_states') }}

)

select distinct
    known.chain,
    known.validator_index,
    listed.operator

from known
join {{ ref('operator_validators') }} as listed
    on listed.chain = known.chain
    and (listed.validator = known.validator_index::text or listed.validator = known.pubkey)
