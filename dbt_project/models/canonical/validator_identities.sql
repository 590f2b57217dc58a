{{ config(unique_key=['chain', 'validator_key'], indexes=[{'columns': ['chain', 'validator_key']}]) }}

-- One row per validator: its latest identity, operator, and the span of periods seen. Only the
-- rebuilt periods are read, so the span widens with what is already stored.
with

recent as (

    select
        chain,
        validator_key,
        min(period_seq) as first_period_seq,
        max(period_seq) as last_period_seq,
        (array_agg(identity_pubkey order by period_seq desc) filter (where identity_pubkey is not null))[1] as identity_pubkey,
        max(source_load_id) as source_load_id
    from {{ ref('validator_meta') }}
    {% if is_incremental() and not heal_requested() %}
    where source_load_id > (select coalesce(max(source_load_id), 0) from {{ this }})
    {% endif %}
    group by chain, validator_key

),

merged as (

    select
        recent.chain,
        recent.validator_key,
        coalesce(recent.identity_pubkey{% if is_incremental() %}, existing.identity_pubkey{% endif %}) as identity_pubkey,
        {% if is_incremental() %}
        least(recent.first_period_seq, existing.first_period_seq) as first_period_seq,
        greatest(recent.last_period_seq, existing.last_period_seq) as last_period_seq,
        {% else %}
        recent.first_period_seq,
        recent.last_period_seq,
        {% endif %}
        recent.source_load_id
    from recent
    {% if is_incremental() %}
    left join {{ this }} as existing on existing.chain = recent.chain and existing.validator_key = recent.validator_key
    {% endif %}

)

select
    merged.chain,
    merged.validator_key,
    merged.identity_pubkey,
    coalesce(operators.operator, ethereum_operators.operator) as operator,
    merged.first_period_seq,
    merged.last_period_seq,
    first_period.period_id as first_period_id,
    last_period.period_id as last_period_id,
    merged.source_load_id

from merged
left join {{ ref('operator_validators') }} as operators
    on operators.chain = merged.chain and operators.validator = merged.validator_key
-- Ethereum validators may be listed by pubkey rather than index.
left join {{ ref('int_ethereum__validator_operators_matched') }} as ethereum_operators
    on ethereum_operators.chain = merged.chain and ethereum_operators.validator_index::text = merged.validator_key
left join {{ ref('periods') }} as first_period
    on first_period.chain = merged.chain and first_period.period_seq = merged.first_period_seq
left join {{ ref('periods') }} as last_period
    on last_period.chain = merged.chain and last_period.period_seq = merged.last_period_seq
