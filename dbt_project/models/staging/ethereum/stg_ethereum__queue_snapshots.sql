with

source as (

    {{ completed_rows('ethereum', 'queue_snapshots') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.state_slot,
        queue::text as queue,
        source.entries,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
