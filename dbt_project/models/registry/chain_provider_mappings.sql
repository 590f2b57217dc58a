select
    chain,
    role,
    priority,
    provider

from {{ ref('stg_registry__chain_provider_mappings') }}
