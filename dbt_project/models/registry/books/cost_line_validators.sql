select
    operator,
    cost_line,
    chain,
    validator

from {{ ref('stg_books__cost_line_validators') }}
