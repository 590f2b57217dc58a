with

source as (

    {{ completed_rows('ethereum', 'day_windows') }}

),

renamed as (

    select
        source.chain::text as chain,
        day::date as day,
        (day::date - date '1970-01-01')::bigint as period_seq,
        source.first_epoch,
        source.last_epoch,
        source.first_slot,
        source.last_slot,
        source.start_state_slot,
        source.end_state_slot,
        source.electra_fork_slot,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
