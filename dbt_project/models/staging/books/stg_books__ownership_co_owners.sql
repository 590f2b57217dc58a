with

source as (

    {{ completed_rows('books', 'ownership_co_owners') }}

),

renamed as (

    select
        chain::text as chain,
        case when validator like '0x%' then lower(validator) else validator end::text as validator,
        effective_from::date as effective_from,
        co_owner::text as co_owner,
        share_pct::numeric as share_pct

    from source

)

select * from renamed
