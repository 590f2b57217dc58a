{#
  Schemas are exactly `staging`, `registry`, `canonical` and `marts` under the default target, so
  BI tools find stable names. Any other target (a developer's `dev`) prefixes its own schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.name == 'default' -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
