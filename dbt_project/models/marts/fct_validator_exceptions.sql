-- What needs a human: slashing and other balance residuals, MEV payments that differ from or
-- are missing against the relay's claim, fee recipients outside the operator's list, blocks from
-- relays missing from providers.yaml, each claim of relays that disagree. None of it is booked as
-- income; amounts in base units and the native token.
select
    e.chain,
    e.validator_key,
    identities.operator,
    e.period_id,
    e.kind,
    e.reference,
    e.slot,
    e.expected_base_units,
    e.actual_base_units,
    {{ to_native('e.expected_base_units', 'chains.decimals') }} as expected_native,
    {{ to_native('e.actual_base_units', 'chains.decimals') }} as actual_native,
    chains.native_symbol,
    e.reason

from {{ ref('validator_exceptions') }} as e
join {{ ref('chains') }} as chains on chains.chain = e.chain
left join {{ ref('validator_identities') }} as identities
    on identities.chain = e.chain and identities.validator_key = e.validator_key
