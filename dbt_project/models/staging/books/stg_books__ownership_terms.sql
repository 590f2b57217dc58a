with

source as (

    {{ completed_rows('books', 'ownership_terms') }}

),

renamed as (

    select
        operator::text as operator,
        chain::text as chain,
        -- Ethereum pubkeys are case-insensitive hex: one spelling for joins.
        case when validator like '0x%' then lower(validator) else validator end::text as validator,
        validator_set::text as validator_set,
        term_index::integer as term_index,
        effective_from::date as effective_from,
        effective_to::date as effective_to,
        model::text as model,
        share_pct::numeric as share_pct,
        issuance_fee_bps::integer as issuance_fee_bps,
        block_fees_fee_bps::integer as block_fees_fee_bps,
        mev_fee_bps::integer as mev_fee_bps,
        pays_vote_costs::boolean as pays_vote_costs

    from source

)

select * from renamed
