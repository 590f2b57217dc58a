{#
  What staging reads of a raw table: the rows of completed dlt loads only. dlt merges a load
  package table by table and records the load in `_dlt_loads` with status 0 once every table is
  in, so a row whose `_dlt_load_id` has no such record belongs to a load that is still running,
  or was interrupted (loaders/pipeline.py finishes or discards it). Every staging model reads its
  raw table through this macro (tests/dbt/test_staging_reads_completed_loads.py checks).

  In a dbt unit test the source is the test's fixture rows, which have no load: no filter there.
#}
{% macro completed_rows(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if model.resource_type == 'unit_test' or relation is string -%}
    select * from {{ relation }}
    {%- else -%}
    {%- set loads = api.Relation.create(database=relation.database, schema=relation.schema, identifier='_dlt_loads') -%}
    select * from {{ relation }}
    where _dlt_load_id in (select load_id from {{ loads }} where status = 0)
    {%- endif -%}
{%- endmacro %}
