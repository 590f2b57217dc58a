with

source as (

    {{ completed_rows('ethereum', 'block_rewards') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.slot,
        source.proposer_index,
        {{ consensus_to_base_units('total_gwei') }} as total_wei,
        {{ consensus_to_base_units('attestations_gwei') }} as attestations_wei,
        {{ consensus_to_base_units('sync_aggregate_gwei') }} as sync_aggregate_wei,
        {{ consensus_to_base_units('proposer_slashings_gwei') }} as proposer_slashings_wei,
        {{ consensus_to_base_units('attester_slashings_gwei') }} as attester_slashings_wei,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
