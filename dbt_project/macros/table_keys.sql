{#
  A post-hook of the canonical models: the table's keys are the ones its contract and config
  declare, whenever the table was created. dbt makes a table's constraints and `indexes` only when
  it creates the table, so a warehouse built before a key changed kept the old one until a
  `--full-refresh`. Here, in the model's transaction, once:

  - a primary key whose columns are not the contract's, in its order, is rebuilt so, under the
    constraint's own name (~5 s for 3 million rows);
  - an index of the config's `indexes` that no index of the table has (the same columns in the
    same order) is created.

  The models keyed by validator and period put the period first: a new period's keys then all sort
  after the stored ones, and its inserts fill new index pages at one end. With the validator first,
  they land one by one across every leaf page of the history's index, each of which is then read,
  dirtied and written whole to the WAL after each checkpoint; a new day's merge grew with the
  history. Measured on canonical.stake_rewards at 100,000 validators x 31 days, merging one new
  day: 1.13-1.27 s, 25,949 full-page images and 176 MB of WAL with the validator first; 0.46-0.52 s,
  18 images and 37 MB with the period first (bench/README.md).
#}
{% macro table_keys_as_declared() -%}
    {%- set keys = [] -%}
    {%- for constraint in (model.constraints or []) if constraint.type == 'primary_key' -%}
        {%- do keys.extend(constraint.columns) -%}
    {%- endfor -%}
    {%- set indexes = config.get('indexes') or [] -%}
    {%- if (keys or indexes) and config.get('materialized') == 'incremental' -%}
    do $aurora$
    declare
        found record;
    begin
        {%- if keys %}
        select c.conname, {{ _index_columns('i') }} as columns
        into found
        from pg_constraint as c
        join pg_index as i on i.indexrelid = c.conindid
        where c.conrelid = to_regclass('{{ this }}') and c.contype = 'p';
        if found.conname is not null and found.columns <> array['{{ keys | join("', '") }}']::text[] then
            execute format('alter table {{ this }} drop constraint %I, add constraint %I primary key ({{ keys | join(", ") }})',
                           found.conname, found.conname);
        end if;
        {%- endif %}
        {%- for index in indexes %}
        {{ create_index_if_missing(this, index.columns, index.unique) }}
        {%- endfor %}
    end
    $aurora$
    {%- endif -%}
{%- endmacro %}


{#- A PL/pgSQL statement: an index on `columns` (in that order) is created on `relation` unless
    one of its indexes has exactly those columns, whatever its name. -#}
{% macro create_index_if_missing(relation, columns, unique=false) -%}
        if not exists (select 1 from pg_index as i
                       where i.indrelid = to_regclass('{{ relation }}')
                         and {{ _index_columns('i') }} = array['{{ columns | join("', '") }}']::text[]) then
            create {{ 'unique ' if unique }}index on {{ relation }} ({{ columns | join(', ') }});
        end if;
{%- endmacro %}


{#- The key columns of index `alias` (a pg_index row), in order, as text[]. -#}
{% macro _index_columns(alias) -%}
    array(select a.attname::text
          from unnest({{ alias }}.indkey::int2[]) with ordinality as k(attnum, position)
          join pg_attribute as a on a.attrelid = {{ alias }}.indrelid and a.attnum = k.attnum
          order by k.position)
{%- endmacro %}
