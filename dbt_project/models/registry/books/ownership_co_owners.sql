select
    chain,
    validator,
    effective_from,
    co_owner,
    share_pct

from {{ ref('stg_books__ownership_co_owners') }}
