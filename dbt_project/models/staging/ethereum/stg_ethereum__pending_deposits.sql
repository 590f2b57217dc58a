with

source as (

    {{ completed_rows('ethereum', 'pending_deposits') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.state_slot,
        source.position,
        pubkey::text as pubkey,
        withdrawal_credentials::text as withdrawal_credentials,
        {{ consensus_to_base_units('amount_gwei') }} as amount_wei,
        source.entry_slot,
        origin::text as origin,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
