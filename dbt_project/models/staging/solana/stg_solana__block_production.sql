with

source as (

    select * from {{ source('solana', 'block_production') }}

),

renamed as (

    select
        chain,
        epoch,
        identity as identity_pubkey,
        leader_slots,
        blocks_produced,
        first_slot,
        last_slot,
        is_complete,
        response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
