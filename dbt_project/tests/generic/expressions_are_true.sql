{#
  Every row satisfies every one of `expressions` (name -> SQL condition), checked in one read of
  the model; a null counts as false, as in expression_is_true. A failing row comes back with
  `failed_expressions`: the names of the conditions it breaks, joined with ', '.
  One test of a model's row rules instead of one test each: at 100,000 validators the eight rules
  of fct_validator_pnl each read the new day's rows (1.86 s of a new day's build together), and
  each generic test of an incremental model costs dbt two queries and a node of its own.
#}
{% test expressions_are_true(model, expressions) %}

select *
from (

    select
        *,
        concat_ws(', '
            {%- for name, expression in expressions.items() %},
            case when not coalesce(({{ expression }}), false) then '{{ name | replace("'", "''") }}' end
            {%- endfor %}
        ) as failed_expressions
    from {{ model }}

) as checked
where failed_expressions <> ''

{% endtest %}
