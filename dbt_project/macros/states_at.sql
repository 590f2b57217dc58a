{#
  The validator states at one bounding slot of each listed day (`slot_column`: start_state_slot
  or end_state_slot of the `days` CTE): an index scan on the slot when the days are a build's few.
  A view that joins both reads each by its own slots: one CTE of both, joined twice, was
  materialized whole (every validator twice, all its columns) and scanned by each join.
#}
{% macro states_at(slot_column, days='days') -%}
    select s.* from {{ ref('stg_ethereum__validator_states') }} as s
    where s.state_slot = any(array(select {{ slot_column }} from {{ days }}))
{%- endmacro %}
