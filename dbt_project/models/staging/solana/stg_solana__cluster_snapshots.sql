with

source as (

    {{ completed_rows('solana', 'cluster_snapshots') }}

),

renamed as (

    select
        chain::text as chain,
        run_id::text as run_id,
        observed_at,
        head_slot,
        current_epoch,
        slots_per_epoch,
        warmup as is_warmup,
        first_normal_epoch,
        first_normal_slot,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
