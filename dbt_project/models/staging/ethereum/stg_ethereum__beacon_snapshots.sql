with

source as (

    {{ completed_rows('ethereum', 'beacon_snapshots') }}

),

renamed as (

    select
        source.chain::text as chain,
        run_id::text as run_id,
        source.observed_at,
        source.head_slot,
        source.head_epoch,
        source.finalized_epoch,
        source.justified_epoch,
        to_timestamp(genesis_time) as genesis_time,
        source.seconds_per_slot,
        source.slots_per_epoch,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
