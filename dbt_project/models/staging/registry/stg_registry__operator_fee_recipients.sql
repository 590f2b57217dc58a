with

source as (

    {{ completed_rows('registry', 'operator_fee_recipients') }}

),

renamed as (

    select
        operator::text as operator,
        chain::text as chain,
        lower(address)::text as address

    from source

)

select * from renamed
