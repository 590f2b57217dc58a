with

source as (

    select * from {{ source('solana', 'rejected_items') }}

),

renamed as (

    select
        chain,
        item_key,
        period_id,
        validator_key,
        endpoint,
        status,
        status = 'rejected' as is_open,
        reason,
        response_id,
        recorded_at,
        run_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
