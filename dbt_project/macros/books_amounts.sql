{#
  The amount columns of the finance marts, named as everywhere: `<component>_native` from
  `<component>_base_units` (through to_native), and `<component>_usd` at the row's USD close.
  Operating costs bring their own USD (a USD line is exact in USD), so net_pnl_usd is
  (gross revenue - vote costs) in USD minus them.
#}

{% macro books_native_columns(decimals='decimals') -%}
    {%- for c in ['issuance', 'block_fees', 'mev', 'priority_fee_sharing', 'gross_revenue', 'vote_costs', 'penalties', 'operating_costs', 'net_pnl'] %}
    {{ to_native(c ~ '_base_units', decimals) }} as {{ c }}_native,
    {%- endfor %}
{%- endmacro %}

{% macro books_usd_columns(decimals='decimals', price='price_usd') -%}
    {%- for c in ['issuance', 'block_fees', 'mev', 'priority_fee_sharing', 'gross_revenue', 'vote_costs', 'penalties'] %}
    {{ to_native(c ~ '_base_units', decimals) }} * {{ price }} as {{ c }}_usd,
    {%- endfor %}
    operating_costs_usd,
    {{ to_native('gross_revenue_base_units - vote_costs_base_units', decimals) }} * {{ price }} - operating_costs_usd as net_pnl_usd,
{%- endmacro %}
