-- Day grain: each rewards/attestations answer the loader summed into a day's totals, by the
-- validator index range it asked for; the lineage of every stg_ethereum__attestation_rewards_daily row.
with

source as (

    {{ completed_rows('ethereum', 'attestation_rewards_daily_batches') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.day::date as day,
        source.epoch,
        source.first_index,
        source.last_index,
        source.entries,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
