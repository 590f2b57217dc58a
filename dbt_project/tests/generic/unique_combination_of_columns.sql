{#
  The grain test: no two rows share these columns, and none of them is null (a null key column
  would let duplicates slip past both this test and an incremental merge).
  `new_rows_column`: for a staging view of validator-sized rows, a key column that narrows the
  rows read (indexed, or of few values); when the build tests what changed, only the keys of new
  loads are read (macros/tested_periods.sql, staging_new_rows_scope).
#}
{% test unique_combination_of_columns(model, combination_of_columns, new_rows_column=none) %}
{%- set scope = staging_new_rows_scope(model, combination_of_columns, new_rows_column) %}

with keyed as (

    select
        {{ combination_of_columns | join(', ') }}
    from {{ model }}
    {%- if scope %}
    where {{ scope[0] }}

    union all

    select
        {{ combination_of_columns | join(', ') }}
    from {{ model }}
    where {{ scope[1] }}
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
