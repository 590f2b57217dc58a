{#
  Base units (lamports, wei) to the native token (SOL, ETH): the one place amounts change unit
  on their way to the marts. Multiplying by 10^-decimals keeps every digit, where numeric
  division would round to 16 significant decimals (a wei amount would lose its last digits).
#}
{% macro to_native(amount, decimals) -%}
    trim_scale(({{ amount }})::numeric * power(10::numeric, -({{ decimals }})))
{%- endmacro %}
