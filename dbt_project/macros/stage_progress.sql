{#
  Load progress has one shape in every chain's raw dataset (loaders/progress.py): the period
  loads, counted only once dlt completed their load (completed_rows), and the schedule.
#}
{% macro stage_period_loads(source_name) %}
with

source as (

    {{ completed_rows(source_name, 'period_loads') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.period_id::text as period_id,
        source.period_seq::bigint as period_seq,
        source.run_id::text as run_id,
        source.loaded_at,
        source.mode::text as mode,
        source.is_settled,
        source.unsettled::text as unsettled,
        source.block_source::text as block_source,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
{% endmacro %}


{% macro stage_schedules(source_name) %}
with

source as (

    {{ completed_rows(source_name, 'schedules') }}

),

renamed as (

    select
        chain::text as chain,
        start_seq::bigint as start_seq,
        start_period_id::text as start_period_id,
        start_source::text as start_source,
        last_complete_seq::bigint as last_complete_seq,
        last_complete_period_id::text as last_complete_period_id,
        recorded_at,
        run_id::text as run_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
{% endmacro %}
