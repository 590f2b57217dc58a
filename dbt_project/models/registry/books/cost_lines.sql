select
    operator,
    cost_line,
    chain,
    kind,
    amount,
    currency,
    effective_from,
    effective_to,
    description

from {{ ref('stg_books__cost_lines') }}
