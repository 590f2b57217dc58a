-- Validators for BI tools: identity, operator and the periods they appear in.
select
    identities.chain,
    identities.validator_key,
    identities.identity_pubkey,
    identities.operator,
    operators.display_name as operator_name,
    identities.first_period_id,
    identities.last_period_id,
    identities.first_period_seq,
    identities.last_period_seq

from {{ ref('validator_identities') }} as identities
left join {{ ref('operators') }} as operators on operators.operator = identities.operator
