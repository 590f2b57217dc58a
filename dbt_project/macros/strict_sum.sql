{#
  A sum that is null when any summed value is null: a total in USD over a day whose price is not
  published yet is unknown, not the sum of the other days.
#}
{% macro strict_sum(expression) -%}
    case when bool_and(({{ expression }}) is not null) then sum({{ expression }}) end
{%- endmacro %}
