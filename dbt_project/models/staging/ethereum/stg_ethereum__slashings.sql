with

source as (

    {{ completed_rows('ethereum', 'slashings') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.slot,
        source.validator_index,
        kind::text as kind,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
