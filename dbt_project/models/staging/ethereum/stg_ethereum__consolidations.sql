with

source as (

    {{ completed_rows('ethereum', 'consolidations') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.slot,
        source.position,
        source_pubkey::text as source_pubkey,
        target_pubkey::text as target_pubkey,
        source.source_index,
        source.target_index,
        {{ consensus_to_base_units('amount_gwei') }} as amount_wei,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
