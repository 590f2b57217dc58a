with

source as (

    select * from {{ source('books', 'settings') }}

),

renamed as (

    select
        income_basis::text as income_basis

    from source

)

select * from renamed
