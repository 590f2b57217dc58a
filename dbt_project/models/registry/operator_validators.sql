select
    chain,
    validator,
    operator

from {{ ref('stg_registry__operator_validators') }}
