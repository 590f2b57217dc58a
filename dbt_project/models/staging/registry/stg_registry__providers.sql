with

source as (

    {{ completed_rows('registry', 'providers') }}

),

renamed as (

    select
        provider,
        provider_type,
        base_url,
        api_key_env,
        api_key_header,
        api_key_param,
        requests_per_second::numeric as requests_per_second,
        timeout_seconds::numeric as timeout_seconds,
        retries::integer as retries

    from source

)

select * from renamed
