with

source as (

    {{ completed_rows('registry', 'chain_provider_mappings') }}

),

renamed as (

    select
        chain,
        role,
        provider,
        priority::integer as priority

    from source

)

select * from renamed
