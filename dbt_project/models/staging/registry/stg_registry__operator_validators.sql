with

source as (

    {{ completed_rows('registry', 'operator_validators') }}

),

renamed as (

    select
        operator,
        chain,
        -- Ethereum pubkeys are case-insensitive hex: one spelling for joins.
        case when validator like '0x%' then lower(validator) else validator end as validator

    from source

)

select * from renamed
