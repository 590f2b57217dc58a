{#
  Heal: re-process every period, not only the lookback window (`aurora build --heal`,
  docs/operations.md). Aurora asks through AURORA_DBT_HEAL, set for that build only, rather than
  through a dbt var: a changed var makes dbt parse the whole project again (about 10 s of CPU),
  for the heal build and again for the build after it, while this variable is read only as a
  model runs and changes no parse. `dbt build --vars '{heal: true}'` by hand heals as well.
#}
{% macro heal_requested() -%}
    {{ return(var('heal', false) or env_var('AURORA_DBT_HEAL', '') | lower in ('1', 'true')) }}
{%- endmacro %}
