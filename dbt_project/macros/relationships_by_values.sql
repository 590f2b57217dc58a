{#
  dbt's `relationships` test, for Postgres: every non-null value of the child column is a value of
  the parent's field, and each child row whose value is not fails the test (dbt's rows, dbt's count).

  dbt's own version joins every child row to the parent. Its tests are never scoped to a build's
  periods (macros/tested_periods.sql: the parent may change under unchanged child rows), so on the
  large tables, `chain -> chains`, each read the whole history in every build (0.2-0.6 s for seven
  of them at 100,000 validators x 35 days, and growing by the day). Such a column holds a few
  values (the chains), so when an index of the table leads with it, its distinct values are read
  by skipping through that index, one probe per value (a loose index scan, which Postgres does not
  do by itself), and only the rows of a value the parent lacks are read in full. Without such an
  index, or when the test reads a subquery (a `where` config), dbt's version runs.
#}
{% macro postgres__test_relationships(model, column_name, to, field) %}
{%- if not leads_an_index(model, column_name) -%}
{{ return(default__test_relationships(model, column_name, to, field)) }}
{%- endif %}

with recursive child_values as (

    (select {{ column_name }} as from_field
     from {{ model }}
     where {{ column_name }} is not null
     order by {{ column_name }}
     limit 1)

    union all

    select (select {{ column_name }}
            from {{ model }}
            where {{ column_name }} > child_values.from_field
            order by {{ column_name }}
            limit 1)
    from child_values
    where child_values.from_field is not null

),

missing as (

    select from_field
    from child_values
    where from_field is not null

    except

    select {{ field }}
    from {{ to }}

)

select
    {{ column_name }} as from_field

from {{ model }}

where {{ column_name }} in (select from_field from missing)

{% endmacro %}


{#- Whether `relation` is a table with an index whose first column is `column` (at run time; false
    when compiling without a database, or for a subquery). The columns as macros/table_keys.sql reads them. -#}
{% macro leads_an_index(relation, column) -%}
    {%- if not execute or relation is string or relation.schema is none -%}{{ return(false) }}{%- endif -%}
    {%- set found = run_query("select exists (select 1 from pg_index as i where i.indrelid = to_regclass('" ~ relation
        ~ "') and (" ~ _index_columns('i') ~ ")[1] = '" ~ column | replace("'", "''") ~ "')") -%}
    {{ return(found.columns[0].values()[0]) }}
{%- endmacro %}
