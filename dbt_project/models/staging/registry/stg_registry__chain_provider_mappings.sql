with

source as (

    select * from {{ source('registry', 'chain_provider_mappings') }}

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
