with

source as (

    {{ completed_rows('books', 'cost_line_validators') }}

),

renamed as (

    select
        operator::text as operator,
        cost_line::text as cost_line,
        chain::text as chain,
        case when validator like '0x%' then lower(validator) else validator end::text as validator

    from source

)

select * from renamed
