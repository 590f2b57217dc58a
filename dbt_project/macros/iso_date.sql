{#
  A raw `YYYY-MM-DD` text column as a date, through immutable functions only. `column::date` is
  stable (its parse depends on DateStyle), so no index can hold it, and a predicate on the date a
  staging view gives reads every raw row; this expression can be indexed, and the index serves
  it when the view and the index spell it alike (build_state.sql creates
  attestation_rewards_daily__day). The loaders write days as ISO dates (date.isoformat()).
#}
{% macro iso_date(column) -%}
    make_date(substr({{ column }}, 1, 4)::integer, substr({{ column }}, 6, 2)::integer, substr({{ column }}, 9, 2)::integer)
{%- endmacro %}
