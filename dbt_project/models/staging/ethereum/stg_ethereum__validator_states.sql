with

source as (

    {{ completed_rows('ethereum', 'validator_states') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.state_slot,
        source.validator_index,
        pubkey::text as pubkey,
        {{ consensus_to_base_units('balance_gwei') }} as balance_wei,
        {{ consensus_to_base_units('effective_balance_gwei') }} as effective_balance_wei,
        status::text as status,
        slashed as is_slashed,
        withdrawal_credentials::text as withdrawal_credentials,
        source.activation_epoch,
        source.exit_epoch,
        source.withdrawable_epoch,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
