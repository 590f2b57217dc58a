{#
  Tables are rebuilt as dbt does (the new table built beside the old, then swapped in by rename),
  except when views depend on the old one (ours, e.g. staging views reading registry.chains, or
  a BI tool's own): dbt drops the old table with CASCADE, which drops those views too, and ours
  would then be recreated by every build. Then, when the new table's columns are the old ones
  (names and types, in order), the old table's rows are replaced in place (delete + insert in
  the model's transaction, readers see the old rows or the new ones) and nothing is dropped.
  Otherwise (a column removed, renamed or retyped; no dependent view) dbt's swap runs unchanged.
#}
{% materialization table, adapter='postgres' %}

  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') %}
  {%- set intermediate_relation =  make_intermediate_relation(target_relation) -%}
  {%- set preexisting_intermediate_relation = load_cached_relation(intermediate_relation) -%}
  {%- set backup_relation_type = 'table' if existing_relation is none else existing_relation.type -%}
  {%- set backup_relation = make_backup_relation(target_relation, backup_relation_type) -%}
  {%- set preexisting_backup_relation = load_cached_relation(backup_relation) -%}
  {% set grant_config = config.get('grants') %}

  {{ drop_relation_if_exists(preexisting_intermediate_relation) }}
  {{ drop_relation_if_exists(preexisting_backup_relation) }}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% call statement('main') -%}
    {{ get_create_table_as_sql(False, intermediate_relation, sql) }}
  {%- endcall %}

  {%- set in_place = namespace(ok=false) -%}
  {%- if existing_relation is not none and existing_relation.is_table -%}
    {%- set dependents = run_query("select count(*) from pg_depend as d join pg_rewrite as r on r.oid = d.objid
        where d.classid = 'pg_rewrite'::regclass and d.refobjid = to_regclass('" ~ (target_relation | string | replace("'", "''")) ~ "')
          and r.ev_class <> d.refobjid") -%}
    {%- if dependents.columns[0].values()[0] > 0 -%}
      {%- set old_columns = adapter.get_columns_in_relation(existing_relation) -%}
      {%- set new_columns = adapter.get_columns_in_relation(intermediate_relation) -%}
      {%- set in_place.ok = old_columns | length > 0 and old_columns | length == new_columns | length -%}
      {%- for column in old_columns -%}
        {%- set other = new_columns[loop.index0] -%}
        {%- if column.name != other.name or column.data_type != other.data_type or column.char_size != other.char_size
              or column.numeric_precision != other.numeric_precision or column.numeric_scale != other.numeric_scale -%}
          {%- set in_place.ok = false -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endif -%}

  {% if in_place.ok %}
    {#- With no other table's foreign key on it, all rows are replaced. Else the rows are compared
        as text (every column, same types in order; equal text, equal row): when no old row is
        gone (as a multiset), only the new ones are inserted, so the rows those keys reference
        stay put; else (a referenced table lost a row) dbt's swap runs. The comparison is for
        referenced tables only: on an unreferenced one it cost more than the rows it saved
        writing (a books table of 960,048 rows: 7.7 s to find none gone, against 2.2 s to delete
        and insert them all; and the insert of the new ones, then a NOT EXISTS over a window,
        was once planned as a subplan scanning the table per row: 13 minutes before it was
        stopped). -#}
    {%- set referenced = run_query("select count(*) from pg_constraint where confrelid = to_regclass('" ~ (target_relation | string | replace("'", "''")) ~ "')").columns[0].values()[0] -%}
    {%- if referenced == 0 -%}
      {% call statement('replace_rows') -%}
        delete from {{ target_relation }};
        insert into {{ target_relation }} select * from {{ intermediate_relation }};
      {%- endcall %}
    {%- else -%}
      {#- Multisets of row texts (EXCEPT ALL: each side hashed or sorted once). A row read back from
          its text is the same row (record_in of record_out, in one session). -#}
      {%- set row_texts = "select r::text as k from {rel} as r" -%}
      {%- set gone = run_query("select count(*) from (" ~ row_texts.format(rel=target_relation) ~ " except all " ~ row_texts.format(rel=intermediate_relation) ~ ") as gone").columns[0].values()[0] -%}
      {%- if gone == 0 -%}
        {% call statement('replace_rows') -%}
          insert into {{ target_relation }}
          select (added.k::{{ target_relation }}).*
          from ({{ row_texts.format(rel=intermediate_relation) }} except all {{ row_texts.format(rel=target_relation) }}) as added
        {%- endcall %}
      {%- else -%}
        {%- set in_place.ok = false -%}
      {%- endif -%}
    {%- endif -%}
  {% endif %}

  {% if in_place.ok %}
    {{ drop_relation_if_exists(intermediate_relation) }}
  {% else %}
    {% do create_indexes(intermediate_relation) %}
    {% if existing_relation is not none %}
      {% set existing_relation = load_cached_relation(existing_relation) %}
      {% if existing_relation is not none %}
          {{ adapter.rename_relation(existing_relation, backup_relation) }}
      {% endif %}
    {% endif %}
    {{ adapter.rename_relation(intermediate_relation, target_relation) }}
  {% endif %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}

  {% set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
  {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}

  {% do persist_docs(target_relation, model) %}

  {{ adapter.commit() }}

  {% if not in_place.ok %}
    {{ drop_relation_if_exists(backup_relation) }}
  {% endif %}

  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
