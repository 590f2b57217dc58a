with

source as (

    select * from {{ source('solana', 'http_responses') }}

),

renamed as (

    select
        response_id,
        provider,
        provider_type,
        endpoint,
        url,
        params,
        fetched_at,
        attempt,
        http_status,
        error,
        sha256 as body_sha256,
        body_bytes,
        body,
        run_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
