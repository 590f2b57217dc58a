with

source as (

    select * from {{ source('registry', 'operator_fee_recipients') }}

),

renamed as (

    select
        operator::text as operator,
        chain::text as chain,
        lower(address)::text as address

    from source

)

select * from renamed
