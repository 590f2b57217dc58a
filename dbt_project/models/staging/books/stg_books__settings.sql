with

source as (

    {{ completed_rows('books', 'settings') }}

),

renamed as (

    select
        income_basis::text as income_basis

    from source

)

select * from renamed
