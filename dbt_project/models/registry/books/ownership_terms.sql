select
    chain,
    validator,
    effective_from,
    effective_to,
    operator,
    validator_set,
    term_index,
    model,
    share_pct,
    issuance_fee_bps,
    block_fees_fee_bps,
    mev_fee_bps,
    pays_vote_costs

from {{ ref('stg_books__ownership_terms') }}
