with

source as (

    {{ completed_rows('ethereum', 'deposits') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.slot,
        source.position,
        source::text as deposit_source,
        pubkey::text as pubkey,
        withdrawal_credentials::text as withdrawal_credentials,
        {{ consensus_to_base_units('amount_gwei') }} as amount_wei,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
