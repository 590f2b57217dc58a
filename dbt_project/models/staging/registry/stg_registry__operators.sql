with

source as (

    select * from {{ source('registry', 'operators') }}

),

renamed as (

    select
        operator,
        display_name

    from source

)

select * from renamed
