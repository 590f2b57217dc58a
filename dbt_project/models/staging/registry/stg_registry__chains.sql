with

source as (

    {{ completed_rows('registry', 'chains') }}

),

renamed as (

    select
        chain,
        family,
        display_name,
        period_type,
        native_symbol,
        base_unit,
        decimals::integer as decimals,
        consensus_unit,
        consensus_decimals::integer as consensus_decimals,
        slots_per_epoch::integer as slots_per_epoch,
        slot_seconds::numeric as slot_seconds,
        genesis_time,
        finality_lag::integer as finality_lag,
        price_id,
        vote_credits_per_vote::integer as vote_credits_per_vote,
        lamports_per_signature::bigint as lamports_per_signature

    from source

)

select * from renamed
