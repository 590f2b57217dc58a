{#
  The gap codes of a group of rows, as the marts write them: distinct, sorted, joined with ', ';
  null when there are none. `codes` is a text column holding such lists (the validator rows'
  data_gaps) and `extra` a list of (condition, code) pairs the model adds itself.
#}
{% macro gap_codes_agg(codes) -%}
    (select string_agg(distinct code, ', ' order by code)
     from unnest(string_to_array(string_agg({{ codes }}, ', '), ', ')) as code
     where code <> '')
{%- endmacro %}

{% macro merge_gap_codes(codes, extra) -%}
    (select string_agg(distinct code, ', ' order by code)
     from unnest(
         coalesce(string_to_array({{ codes }}, ', '), array[]::text[])
         {%- for condition, code in extra %} || case when {{ condition }} then array['{{ code }}'] else array[]::text[] end{% endfor %}
     ) as code
     where code <> '')
{%- endmacro %}
