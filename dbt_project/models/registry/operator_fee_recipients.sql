select
    chain,
    address,
    operator

from {{ ref('stg_registry__operator_fee_recipients') }}
