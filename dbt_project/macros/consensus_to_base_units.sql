{#
  Consensus-layer amounts (gwei on Ethereum) to the chain's base unit (wei): the one place they
  change unit, in staging, with the decimals of registry.chains, so every canonical amount of a
  chain is in a single unit. `chains` is the alias of a join to ref('chains').
#}
{% macro consensus_to_base_units(amount, chains='chains') -%}
    trim_scale(({{ amount }})::numeric * power(10::numeric, {{ chains }}.decimals - coalesce({{ chains }}.consensus_decimals, {{ chains }}.decimals)))
{%- endmacro %}
