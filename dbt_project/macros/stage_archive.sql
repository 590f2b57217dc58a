{#
  The response archive and the rejected items have one shape in every raw dataset (dlt writes
  them from loaders/providers/archive.py): one staging definition for all of them. Bodies live
  once per sha256 in http_bodies (stage_http_bodies).
#}
{% macro stage_http_responses(source_name) %}
with

source as (

    {{ completed_rows(source_name, 'http_responses') }}

),

renamed as (

    select
        response_id::text as response_id,
        provider::text as provider,
        provider_type::text as provider_type,
        endpoint::text as endpoint,
        url::text as url,
        params::text as params,
        params_sha256::text as params_sha256,
        fetched_at,
        attempt,
        http_status,
        error::text as error,
        sha256::text as body_sha256,
        body_bytes,
        run_id::text as run_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
{% endmacro %}


{% macro stage_rejected_items(source_name) %}
with

source as (

    {{ completed_rows(source_name, 'rejected_items') }}

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
        -- The gap the item leaves (docs/pnl.md); rows from before the column existed were all
        -- malformed answers.
        case when status = 'rejected' then coalesce(gap::text, 'response_rejected') end as gap,
        response_id::text as response_id,
        recorded_at,
        run_id::text as run_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
{% endmacro %}


{#
  http_bodies is written by Aurora as bodies arrive, not by dlt: a row is a complete body or
  absent, content-addressed, shared by every response with that sha256. No load to filter on.
#}
{% macro stage_http_bodies(source_name) %}
with

source as (

    select * from {{ source(source_name, 'http_bodies') }}

),

renamed as (

    select
        sha256::text as body_sha256,
        body_bytes,
        body,
        stored_at

    from source

)

select * from renamed
{% endmacro %}
