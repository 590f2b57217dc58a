{#
  The grain test: no two rows share these columns, and none of them is null (a null key column
  would let duplicates slip past both this test and an incremental merge).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with keyed as (

    select
        {{ combination_of_columns | join(', ') }}
    from {{ model }}

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
