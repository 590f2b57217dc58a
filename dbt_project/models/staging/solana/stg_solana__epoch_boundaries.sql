with

source as (

    {{ completed_rows('solana', 'epoch_boundaries') }}

),

renamed as (

    select
        chain::text as chain,
        epoch,
        first_slot,
        last_slot,
        first_block_slot,
        last_block_slot,
        start_time,
        end_time,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
