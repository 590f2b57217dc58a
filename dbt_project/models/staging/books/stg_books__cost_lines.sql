with

source as (

    {{ completed_rows('books', 'cost_lines') }}

),

renamed as (

    select
        operator::text as operator,
        cost_line::text as cost_line,
        chain::text as chain,
        kind::text as kind,
        amount::numeric as amount,
        upper(currency)::text as currency,
        effective_from::date as effective_from,
        effective_to::date as effective_to,
        description::text as description

    from source

)

select * from renamed
