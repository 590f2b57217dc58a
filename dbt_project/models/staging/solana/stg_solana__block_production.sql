with

source as (

    {{ completed_rows('solana', 'block_production') }}

),

renamed as (

    select
        chain::text as chain,
        epoch,
        identity::text as identity_pubkey,
        leader_slots,
        blocks_produced,
        first_slot,
        last_slot,
        is_complete,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
