with

source as (

    {{ completed_rows('ethereum', 'attestation_rewards') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.epoch,
        source.validator_index,
        {{ consensus_to_base_units('head_gwei') }} as head_wei,
        {{ consensus_to_base_units('target_gwei') }} as target_wei,
        {{ consensus_to_base_units('source_gwei') }} as source_wei,
        {{ consensus_to_base_units('inclusion_delay_gwei') }} as inclusion_delay_wei,
        {{ consensus_to_base_units('inactivity_gwei') }} as inactivity_wei,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
