-- What Aurora has loaded of each chain, in time: from the first period's start to the last
-- period's end. A day or a month outside it is only partly known.
select
    chain,
    min(period_start) as loaded_from,
    max(period_end) as loaded_to

from {{ ref('int_books__chain_period_days') }}
group by chain
