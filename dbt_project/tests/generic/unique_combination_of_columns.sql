{#
  The grain test: no two rows share these columns, and none of them is null (a null key column
  would let duplicates slip past both this test and an incremental merge).
  `new_rows_column`: for a staging view of validator-sized rows, a key column its raw table is
  indexed on; when the build tests what changed, only new loads' keys are read
  (macros/tested_periods.sql, staging_new_rows_scope).
#}
{% test unique_combination_of_columns(model, combination_of_columns, new_rows_column=none) %}
{%- set scope = staging_new_rows_scope(model, combination_of_columns, new_rows_column) %}

with keyed as (

    select
        {{ combination_of_columns | join(', ') }}
    from {{ model }}
    {%- if scope %}
    where {{ scope }}
    {%- endif %}

)

select
    {{ combination_of_columns | join(', ') }},
    count(*) as n_rows,
    'duplicate' as problem
from keyed
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

union all

select
    {{ combination_of_columns | join(', ') }},
    1 as n_rows,
    'null key column' as problem
from keyed
where {% for column in combination_of_columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}

{% endtest %}
