with

source as (

    select * from {{ source('ethereum', 'http_responses') }}

),

renamed as (

    select
        response_id::text as response_id,
        provider::text as provider,
        provider_type::text as provider_type,
        endpoint::text as endpoint,
        url::text as url,
        params::text as params,
        fetched_at,
        attempt,
        http_status,
        error::text as error,
        sha256::text as body_sha256,
        body_bytes,
        body::text as body,
        run_id::text as run_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
