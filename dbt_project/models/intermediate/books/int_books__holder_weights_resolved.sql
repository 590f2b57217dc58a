-- registry.ownership_holders keyed like the marts (an Ethereum pubkey resolved to its index).
select
    keys.validator_key,
    holders.chain,
    holders.validator,
    holders.effective_from,
    holders.effective_to,
    holders.operator,
    holders.model,
    holders.component,
    holders.holder,
    holders.holder_kind,
    holders.weight

from {{ ref('ownership_holders') }} as holders
join {{ ref('int_books__validator_keys_resolved') }} as keys
    on keys.chain = holders.chain and keys.validator = holders.validator
