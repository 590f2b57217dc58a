with

source as (

    {{ completed_rows('ethereum', 'consolidations_processed') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.epoch,
        source.slot,
        source.source_index,
        source.target_index,
        {{ consensus_to_base_units('source_balance_gwei') }} as source_balance_wei,
        {{ consensus_to_base_units('source_effective_balance_gwei') }} as source_effective_balance_wei,
        {{ consensus_to_base_units('source_reward_gwei') }} as source_reward_wei,
        source.rewards_response_id::text as rewards_response_id,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
