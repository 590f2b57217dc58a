with

source as (

    {{ completed_rows('jito', 'jito_epochs') }}

),

renamed as (

    select
        chain::text as chain,
        epoch,
        validators_listed,
        validators_with_mev,
        validators_with_mev > 0 as is_settled,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
