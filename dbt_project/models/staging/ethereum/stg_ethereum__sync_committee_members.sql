with

source as (

    {{ completed_rows('ethereum', 'sync_committee_members') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.period,
        source.validator_index,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
