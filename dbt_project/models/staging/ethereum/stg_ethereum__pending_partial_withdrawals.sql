with

source as (

    {{ completed_rows('ethereum', 'pending_partial_withdrawals') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.state_slot,
        source.position,
        source.validator_index,
        {{ consensus_to_base_units('amount_gwei') }} as amount_wei,
        source.withdrawable_epoch,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
