with

source as (

    {{ completed_rows('solana', 'leader_slots') }}

),

renamed as (

    select
        chain::text as chain,
        slot,
        epoch,
        identity::text as identity_pubkey,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
