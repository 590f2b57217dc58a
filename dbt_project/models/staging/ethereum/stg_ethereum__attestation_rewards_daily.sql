-- Day grain (network-wide runs with network_wide_grain: day): per validator and day, the
-- attestation components summed by the loader over the day's epochs a..b, the penalties (each
-- epoch's negative components, positive) over a..b, and the net credited over a-2..b-2
-- (loaders/ethereum/daygrain.py). The answers summed are in stg_ethereum__attestation_rewards_daily_batches.
with

source as (

    {{ completed_rows('ethereum', 'attestation_rewards_daily') }}

),

renamed as (

    select
        source.chain::text as chain,
        {{ iso_date('source.day') }} as day,  -- indexed so (macros/iso_date.sql): the grain test reads new days' rows only
        source.validator_index,
        {{ consensus_to_base_units('head_gwei') }} as head_wei,
        {{ consensus_to_base_units('target_gwei') }} as target_wei,
        {{ consensus_to_base_units('source_gwei') }} as source_wei,
        {{ consensus_to_base_units('inclusion_delay_gwei') }} as inclusion_delay_wei,
        {{ consensus_to_base_units('inactivity_gwei') }} as inactivity_wei,
        {{ consensus_to_base_units('penalties_gwei') }} as penalties_wei,
        {{ consensus_to_base_units('credited_gwei') }} as credited_in_day_wei,
        source._dlt_load_id as load_id

    from source
    join {{ ref('chains') }} as chains on chains.chain = source.chain

)

select * from renamed
