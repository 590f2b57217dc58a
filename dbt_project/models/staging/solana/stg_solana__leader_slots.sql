with

source as (

    select * from {{ source('solana', 'leader_slots') }}

),

renamed as (

    select
        chain,
        slot,
        epoch,
        identity as identity_pubkey,
        response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
