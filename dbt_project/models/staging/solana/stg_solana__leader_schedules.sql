with

source as (

    {{ completed_rows('solana', 'leader_schedules') }}

),

renamed as (

    select
        chain::text as chain,
        epoch,
        identity::text as identity_pubkey,
        leader_slots,
        is_whole,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
