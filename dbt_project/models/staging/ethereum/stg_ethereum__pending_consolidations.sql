with

source as (

    {{ completed_rows('ethereum', 'pending_consolidations') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.state_slot,
        source.position,
        source.source_index,
        source.target_index,
        {{ consensus_to_base_units('source_balance_gwei') }} as source_balance_wei,
        {{ consensus_to_base_units('source_effective_balance_gwei') }} as source_effective_balance_wei,
        source.source_withdrawable_epoch,
        source.source_slashed as is_source_slashed,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
