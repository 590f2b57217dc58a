with

source as (

    select * from {{ source('ethereum', 'rejected_items') }}

),

renamed as (

    select
        chain::text as chain,
        item_key::text as item_key,
        period_id::text as period_id,
        validator_key::text as validator_key,
        endpoint::text as endpoint,
        status::text as status,
        status = 'rejected' as is_open,
        reason::text as reason,
        response_id::text as response_id,
        recorded_at,
        run_id::text as run_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
