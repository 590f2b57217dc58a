-- Who holds each component of a validator's income under each term, as integer weights over one
-- denominator, 10^12: a share_pct (at most 6 decimals) x 10^6 is over 10^8, a fee in basis points
-- is over 10^4. Owners (the operator, its named co-owners, and 'others' for any share nobody
-- named) hold bps x share; under model fee, the 'client' holds the rest. Weights of a term and
-- component add up to 10^12 exactly (a data test), so a split never creates or loses a unit.
with

terms as (

    select * from {{ ref('ownership_terms') }}

),

co_owners as (

    select * from {{ ref('ownership_co_owners') }}

),

components as (

    select
        terms.chain,
        terms.validator,
        terms.effective_from,
        terms.effective_to,
        terms.operator,
        terms.model,
        c.component,
        -- priority_fee_sharing is a part of block fee income and penalties a part of issuance:
        -- each follows its parent's fee. Vote costs fall on the owners when they pay them.
        case c.component
            when 'issuance' then terms.issuance_fee_bps
            when 'penalties' then terms.issuance_fee_bps
            when 'block_fees' then terms.block_fees_fee_bps
            when 'priority_fee_sharing' then terms.block_fees_fee_bps
            when 'mev' then terms.mev_fee_bps
            when 'vote_costs' then case when terms.pays_vote_costs then 10000 else 0 end
        end::numeric as bps

    from terms
    cross join (values ('issuance'), ('block_fees'), ('mev'), ('priority_fee_sharing'), ('vote_costs'), ('penalties')) as c(component)

),

named_shares as (

    select chain, validator, effective_from, sum(share_pct) as co_owned_pct
    from co_owners
    group by chain, validator, effective_from

),

owners as (

    select chain, validator, effective_from, operator as holder, 'operator' as holder_kind, share_pct
    from terms

    union all

    select chain, validator, effective_from, co_owner, 'co_owner', share_pct
    from co_owners

    union all

    select terms.chain, terms.validator, terms.effective_from, 'others', 'others',
        100 - terms.share_pct - coalesce(named_shares.co_owned_pct, 0)
    from terms
    left join named_shares using (chain, validator, effective_from)

),

weighted as (

    select
        components.chain,
        components.validator,
        components.effective_from,
        components.effective_to,
        components.operator,
        components.model,
        components.component,
        owners.holder,
        owners.holder_kind,
        owners.share_pct * 1000000 * components.bps as weight

    from components
    join owners using (chain, validator, effective_from)

    union all

    select
        chain,
        validator,
        effective_from,
        effective_to,
        operator,
        model,
        component,
        'client',
        'client',
        100000000 * (10000 - bps)

    from components
    where model = 'fee'

)

select
    chain,
    validator,
    effective_from,
    effective_to,
    operator,
    model,
    component,
    holder,
    holder_kind,
    weight::numeric as weight

from weighted
where weight > 0
