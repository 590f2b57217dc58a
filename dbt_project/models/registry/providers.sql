select
    provider,
    provider_type,
    base_url,
    api_key_env,
    api_key_header,
    api_key_param,
    requests_per_second,
    timeout_seconds,
    retries

from {{ ref('stg_registry__providers') }}
