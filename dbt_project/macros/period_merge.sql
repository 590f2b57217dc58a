{#
  The canonical models' merge (incremental_strategy 'period_merge'): dbt's merge on the unique
  key, with two changes that make it cost the periods rebuilt rather than the history:

  - The target's rows are read only in the periods the new rows belong to: a literal list of
    (chain, period_seq), read from the new rows when the merge runs, in the ON clause, so the
    planner reads them through the (chain, period_seq) index. dbt's merge hash-joined every stored
    row (the models turn nested loops off), and the scan grew with the history. A key's period
    never changes (an epoch, a day, a slot's day), so the list hides no matching row; if it ever
    did, the new row would be inserted beside the old one and the primary key would fail the
    build, never leave two rows.
  - A stored row identical to its new one is left alone: a build rewrites its whole lookback
    window, most of which did not change, and every updated row is a new row version with an
    entry in each index. Rows are compared by their binary image (`*<>`, the operator Postgres's
    concurrent refresh of a materialized view uses), so a value that is equal but written
    differently (a numeric's scale) is still updated and a full rebuild restates the same text.
    Two nulls are the same. It was the rows' text: writing every numeric of both rows out cost
    a merge of 200,000 unchanged rows 0.83–1.02 s, against 0.41–0.60 s (EXPLAIN ANALYZE,
    bench/README.md). The stored and the new row have the contract's column types (a type that
    differs stops the merge with an error; it never passes as a change).

  A model without a period_seq column (daily_prices, validator_identities) gets the second only.

  A model whose keys come and go with the data, not with a grid that lists every key of a period
  (int_ethereum__proposals_classified: a block a reorg orphaned is no longer produced;
  int_ethereum__block_rewards_summed: its proposer then earned nothing that day; canonical
  proposals, principal_flows, principal_queued and validator_epoch_rewards), sets `period_merge_deletes=true`:
  before the merge, its stored rows in the periods this build recorded for it
  (macros/lookback_periods.sql; when it recorded '*', the periods of its new rows) that have no
  new row are deleted, in the same transaction, as a view of the same select would no longer
  show them. (`when not matched by source` would do it in the merge, from PostgreSQL 17 on;
  docker-compose.yml's server is 16.)
#}
{% macro get_incremental_period_merge_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set names = arg_dict['dest_columns'] | map(attribute='name') | list -%}
    {%- if not unique_key -%}
        {{ exceptions.raise_compiler_error("incremental_strategy 'period_merge' needs a unique_key: " ~ target) }}
    {%- endif -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set predicates = [] + (arg_dict['incremental_predicates'] or []) -%}
    {%- for key in keys -%}
        {%- do predicates.append('DBT_INTERNAL_SOURCE.' ~ key ~ ' = DBT_INTERNAL_DEST.' ~ key) -%}
    {%- endfor -%}
    {%- set restriction = period_merge_restriction(source) if 'period_seq' in names and 'chain' in names else none -%}
    {%- if restriction is not none -%}
        {%- do predicates.append(restriction) -%}
    {%- endif -%}
    {%- set cols = [] -%}
    {%- for name in names %}{% do cols.append(adapter.quote(name)) %}{% endfor %}

    {%- if config.get('period_merge_deletes', false) %}
    {#- '*' recorded (healing, or the lookback's fallback, which rebuilds some periods but records
        '*' for its tests): only the periods the new rows belong to, never every stored row -#}
    {%- set deleted = recorded_periods_condition('DBT_INTERNAL_DEST') %}
    delete from {{ target }} as DBT_INTERNAL_DEST
    where {{ deleted if deleted is not none else restriction }}
      and not exists (
        select 1 from {{ source }} as DBT_INTERNAL_SOURCE
        where {% for key in keys %}DBT_INTERNAL_SOURCE.{{ key }} = DBT_INTERNAL_DEST.{{ key }}{% if not loop.last %} and {% endif %}{% endfor %}
      );
    {%- endif %}

    merge into {{ target }} as DBT_INTERNAL_DEST
        using {{ source }} as DBT_INTERNAL_SOURCE
        on ({{ predicates | join(') and (') }})
    when matched and (row(DBT_INTERNAL_DEST.{{ cols | join(', DBT_INTERNAL_DEST.') }}))::record
                     *<> (row(DBT_INTERNAL_SOURCE.{{ cols | join(', DBT_INTERNAL_SOURCE.') }}))::record then update set
        {% for col in cols -%}
        {{ col }} = DBT_INTERNAL_SOURCE.{{ col }}{% if not loop.last %}, {% endif %}
        {%- endfor %}
    when not matched then insert ({{ cols | join(', ') }})
    values (DBT_INTERNAL_SOURCE.{{ cols | join(', DBT_INTERNAL_SOURCE.') }})
{% endmacro %}


{#- The stored rows a merge may match: those of the new rows' periods, as a literal condition on
    the target (true when a new row has no period: nothing is restricted then). -#}
{% macro period_merge_restriction(source) -%}
    {%- set found = run_query("select chain, array_agg(distinct period_seq order by period_seq)::text, bool_or(period_seq is null)
                               from " ~ source ~ " group by chain order by chain") -%}
    {%- for row in found.rows if row[0] is none or row[2] -%}
        {{ return('true') }}
    {%- endfor -%}
    {{ return(periods_literal(found.rows, 'DBT_INTERNAL_DEST')) }}
{%- endmacro %}


{#- The periods this build recorded for the model being merged (aurora_control.build_periods), as
    a literal condition on `alias`: none when it recorded '*', false when nothing. -#}
{% macro recorded_periods_condition(alias) -%}
    {%- set key = (this.schema ~ '.' ~ this.identifier) | replace("'", "''") -%}
    {%- set found = run_query("select chain, array_agg(period_seq order by period_seq)::text from aurora_control.build_periods
                               where invocation_id = '" ~ invocation_id ~ "' and model = '" ~ key ~ "'
                               group by chain order by chain") -%}
    {%- for row in found.rows if row[0] == '*' -%}
        {{ return(none) }}
    {%- endfor -%}
    {{ return(periods_literal(found.rows, alias)) }}
{%- endmacro %}


{#- Rows of (chain, its periods as a bigint[] literal) as a condition on `alias` (the bare columns
    when none); false for none. -#}
{% macro periods_literal(rows, alias) -%}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    {%- set parts = [] -%}
    {%- for row in rows -%}
        {%- do parts.append("(" ~ prefix ~ "chain = '" ~ (row[0] | replace("'", "''")) ~ "' and " ~ prefix ~ "period_seq = any('" ~ row[1] ~ "'::bigint[]))") -%}
    {%- endfor -%}
    {{ return('(' ~ parts | join(' or ') ~ ')' if parts else 'false') }}
{%- endmacro %}
