{#
  A USD amount in the chain's base units at a USD price of one native token: the one place a cost
  entered in USD becomes lamports or wei. Rounded to the nearest base unit, computed as
  usd x 10^decimals / price so the division keeps every integer digit. Null when the price is.
#}
{% macro usd_to_base_units(usd, price, decimals) -%}
    round(({{ usd }})::numeric * power(10::numeric, {{ decimals }}) / nullif({{ price }}, 0))
{%- endmacro %}
