with

source as (

    {{ completed_rows('ethereum', 'sync_committee_rewards') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.slot,
        source.validator_index,
        {{ consensus_to_base_units('reward_gwei') }} as reward_wei,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
