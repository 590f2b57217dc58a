{#
  Data tests cost what changed. An incremental build rewrites, in each incremental canonical model,
  only the periods its lookback chose (macros/lookback_periods.sql); every other row of the model
  is what the last build left. So when the last build was whole and every data test in it passed,
  a test of such a model needs to read only the periods this build rewrote: the rows it would
  read anywhere else already passed it.

  - `record_build_periods` (called by the lookback when a model compiles) writes the periods the
    model rebuilds to `aurora_control.build_periods` under dbt's invocation id, or '*' when it
    rebuilds everything (first build, --full-refresh, healing: macros/heal_requested.sql, the fallback rule).
  - on-run-start (`ensure_tested_periods`) lets this invocation test by period only if the last
    build was recorded clean, and marks it unclean until this one proves otherwise; on-run-end
    (`record_data_tests_clean`) marks it clean again only after a whole `dbt build` (no selection
    but the unit-test exclusion aurora adds) in which every node passed (a warning counts as not
    clean). A killed, failed, partial or hand-run build therefore makes the next build test everything,
    and so does `aurora build --force` (loaders/dbt_runner.py clears the mark).
  - `get_where_subquery` (dbt's hook for the `where` config of generic tests) adds the filter for
    generic tests of a model with such a record; never for `relationships` (its parent may have
    changed under unchanged child rows). Grain tests of the large Ethereum staging views read
    the keys of new loads (staging_new_rows_scope, below); other singular, mart, staging and registry
    tests read everything.
#}
{% macro ensure_tested_periods() %}
    create table if not exists aurora_control.build_periods (
        invocation_id text not null,
        model text not null,
        chain text not null,        -- '*': the model rebuilt every period
        period_seq bigint not null,
        primary key (invocation_id, model, chain, period_seq)
    );
    delete from aurora_control.build_periods where invocation_id <> '{{ invocation_id }}';
    -- what each model restricted its intermediate views to in this build (macros/build_period_restriction.sql)
    create table if not exists aurora_control.build_restrictions (
        invocation_id text not null,
        model text not null,
        build_periods text not null,  -- '': not restricted
        primary key (invocation_id, model)
    );
    delete from aurora_control.build_restrictions where invocation_id <> '{{ invocation_id }}';
    create table if not exists aurora_control.data_tests_clean (
        singleton boolean primary key default true check (singleton),
        clean boolean not null,     -- the last build was whole and every node in it passed
        scoped_invocation text      -- the build allowed to test by period (set from `clean` at its start)
    );
    insert into aurora_control.data_tests_clean (clean, scoped_invocation) values (false, null)
    on conflict (singleton) do update
    set scoped_invocation = case when aurora_control.data_tests_clean.clean then '{{ invocation_id }}' end,
        clean = false;
    -- Grain tests of the large staging views read the keys of new loads only (staging_new_rows_scope):
    -- the loads completed when this build started, and those whose rows a clean whole build tested.
    create table if not exists aurora_control.build_start_loads (
        invocation_id text not null,
        load_id text not null,
        primary key (invocation_id, load_id)
    );
    delete from aurora_control.build_start_loads where invocation_id <> '{{ invocation_id }}';
    {%- if execute %}
    insert into aurora_control.build_start_loads (invocation_id, load_id)
    select distinct '{{ invocation_id }}', load_id from ({{ completed_loads_sql() }}) as completed
    on conflict do nothing;
    {%- endif %}
    create table if not exists aurora_control.tested_loads (
        load_id text primary key
    );
{% endmacro %}


{#
  The rows a grain test of a staging view must read when the build tests by what changed (the
  last build was whole and clean): the rows of loads no passing build of these tests has read yet
  (record_data_tests_clean), and the
  other rows sharing a key with one of them. A duplicate needs at least one row of such a load (a
  load's rows never change once it is complete; a later load's rows carry its own id), so no
  duplicate is missed, and a new row with a null key column is read itself. `column` is a key
  column that narrows the other rows first: the raw table is indexed on it (validator_states'
  state_slot), or it keeps the test off an aggregate over all history (a day). Returns the two
  conditions, for the new rows and for the others (read as two selects, so each can use its
  index), or none (read everything).
#}
{% macro staging_new_rows_scope(relation, columns, column) -%}
    {%- if not execute or column is none or model.resource_type != 'test' -%}{{ return(none) }}{%- endif -%}
    {%- set scoped = run_query("select to_regclass('aurora_control.tested_loads') is not null
        and exists (select 1 from aurora_control.data_tests_clean where scoped_invocation = '" ~ invocation_id ~ "')").columns[0].values()[0] -%}
    {%- if not scoped -%}{{ return(none) }}{%- endif -%}
    {%- set new_loads = "array(select load_id from aurora_control.build_start_loads where invocation_id = '" ~ invocation_id
        ~ "' except select load_id from aurora_control.tested_loads)" -%}
    {%- set keys = columns | join(', ') -%}
    {%- set new_rows = "load_id = any(" ~ new_loads ~ ")" -%}
    {{ return([new_rows, "not (" ~ new_rows ~ ") and " ~ column ~ " = any(array(select distinct " ~ column ~ " from " ~ relation
        ~ " where " ~ new_rows ~ ")) and (" ~ keys ~ ") in (select " ~ keys ~ " from " ~ relation ~ " where " ~ new_rows ~ ")"]) }}
{%- endmacro %}


{#- SQL value rows ('chain', period_seq) for a list of (chain, period_seq); ('*', -1) for none (every period). -#}
{% macro period_values(rows) %}
    {%- set values = [] -%}
    {%- if rows is none -%}
        {%- do values.append("('*', -1)") -%}
    {%- else -%}
        {%- for row in rows %}{% do values.append("('" ~ (row[0] | replace("'", "''")) ~ "', " ~ row[1] ~ ")") %}{% endfor -%}
    {%- endif -%}
    {{ return(values) }}
{% endmacro %}


{#- The periods the model being compiled rebuilds: a list of (chain, period_seq), or none for every period. -#}
{% macro record_build_periods(rows) %}
    {%- if execute and model.resource_type == 'model'
          and run_query("select to_regclass('aurora_control.build_periods') is not null").columns[0].values()[0] -%}
        {%- set key = (this.schema ~ '.' ~ this.identifier) | replace("'", "''") -%}
        {%- set values = period_values(rows) -%}
        {%- do run_query("delete from aurora_control.build_periods where invocation_id = '" ~ invocation_id ~ "' and model = '" ~ key ~ "'") -%}
        {%- if values -%}
            {%- do run_query("insert into aurora_control.build_periods (invocation_id, model, chain, period_seq) select '"
                ~ invocation_id ~ "', '" ~ key ~ "', chain, period_seq from (values " ~ values | join(', ')
                ~ ") as v (chain, period_seq) on conflict do nothing") -%}
        {%- endif -%}
        {#- the P&L tables rebuilt by period and fed by this model rebuild them too (macros/period_queue.sql) -#}
        {%- if this.identifier not in period_queue_models() and feeds_period_tables() -%}
            {%- do queue_periods(rows) -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}


{#- dbt's `where` hook for generic tests, plus the periods this build rewrote (see above). -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where %}{% do conditions.append('(' ~ where ~ ')') %}{% endif -%}
    {%- set periods = tested_periods_condition(relation) -%}
    {%- if periods %}{% do conditions.append(periods) %}{% endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{% macro tested_periods_condition(relation) -%}
    {%- if not execute or relation is string or relation.schema is none or model.resource_type != 'test' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set meta = model.test_metadata -%}
    {%- if not meta or meta.name == 'relationships' or 'to' in (meta.kwargs or {}) -%}
        {{ return('') }}
    {%- endif -%}
    {#- Only incremental models record build periods: a test of any other model reads everything,
        decided here without asking the database (the two queries below, for every generic test, were
        216 of the 1,866 statements of a forced build of the demo warehouse). -#}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- if tested is none or tested.config.materialized != 'incremental' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set ready = run_query("select to_regclass('aurora_control.build_periods') is not null and to_regclass('aurora_control.data_tests_clean') is not null").columns[0].values()[0] -%}
    {%- if not ready -%}{{ return('') }}{%- endif -%}
    {%- set key = (relation.schema ~ '.' ~ relation.identifier) | replace("'", "''") -%}
    {%- set found = run_query("select chain, array_agg(period_seq order by period_seq)::text,
            exists (select 1 from aurora_control.data_tests_clean where scoped_invocation = '" ~ invocation_id ~ "')
        from aurora_control.build_periods where invocation_id = '" ~ invocation_id ~ "' and model = '" ~ key ~ "'
        group by chain order by chain") -%}
    {%- if found.rows | length == 0 or not found.rows[0][2] -%}{{ return('') }}{%- endif -%}
    {%- for row in found.rows if row[0] == '*' -%}{{ return('') }}{%- endfor -%}
    {#- A literal list, as the merge's (macros/period_merge.sql): the planner reads the periods
        through the table's (chain, period_seq) index. Joined to build_periods instead, it was
        estimated at one row, and each test of fct_validator_pnl scanned the whole history
        (0.45 s alone at 100,000 validators x 33 days, 1-1.9 s in a build). -#}
    {{ return(periods_literal(found.rows, none)) }}
{%- endmacro %}


{#- on-run-end: clean only after a whole `dbt build` in which every node passed. -#}
{% macro record_data_tests_clean(results) %}
    {%- if execute and run_query("select to_regclass('aurora_control.data_tests_clean') is not null").columns[0].values()[0] -%}
    {%- set args = invocation_args_dict -%}
    {%- set excluded_types = args.get('exclude_resource_types') or [] -%}
    {%- set excluded_types = [excluded_types] if excluded_types is string else excluded_types -%}
    {%- set whole = args.get('which') == 'build' and not args.get('select') and not args.get('exclude')
                    and not args.get('selector') and not args.get('resource_types')
                    and excluded_types | reject('equalto', 'unit_test') | list | length == 0 -%}
    {%- set passed = results | rejectattr('status', 'in', ['pass', 'success', 'no-op']) | list | length == 0 -%}
    {#- The grain tests that read new loads' rows (staging_new_rows_scope) all ran: in a whole build, and
        in aurora's build of what changed, which selects every source a new load changed and the tests
        of the views over it. Before, only a whole build recorded its loads, so on a daily schedule of
        builds of what changed the tests read every load since the last whole one. -#}
    {%- set ran = results | map(attribute='node') | map(attribute='unique_id') | list -%}
    {%- set scoped_tests = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'test' and node.test_metadata
          and (node.test_metadata.kwargs or {}).get('new_rows_column') -%}
        {%- do scoped_tests.append(node.unique_id) -%}
    {%- endfor -%}
    {%- set grain_tested = scoped_tests | reject('in', ran) | list | length == 0 -%}
    update aurora_control.data_tests_clean set clean = {{ 'true' if whole and passed else 'false' }};
    {%- if passed and grain_tested %}
    -- every row of the loads this build started with passed the grain tests that read new loads
    insert into aurora_control.tested_loads (load_id)
    select load_id from aurora_control.build_start_loads where invocation_id = '{{ invocation_id }}'
    on conflict do nothing
    {%- endif %}
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}
