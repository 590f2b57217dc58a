with

source as (

    {{ completed_rows('registry', 'operators') }}

),

renamed as (

    select
        operator,
        display_name

    from source

)

select * from renamed
