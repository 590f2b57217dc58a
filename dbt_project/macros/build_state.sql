{#
  What each incremental model has consumed (macros/lookback_periods.sql). A build reads the
  completed loads (every raw dataset's `_dlt_loads`, status 0), writes them to
  `aurora_control.build_loads_pending` for the model when it compiles it, and `record_build_loads`
  (a canonical post-hook, inside the model's transaction) moves them to
  `aurora_control.build_loads`: the next build rebuilds only the periods of loads not there.
#}
{% macro ensure_build_state() %}
    create schema if not exists aurora_control;
    -- Any dbt command that builds, by hand or by aurora, forgets the last whole build's state:
    -- `aurora build` records it again only after it succeeds (loaders/build_state.py).
    do $aurora$
    begin
        if to_regclass('aurora_control.build_state') is not null then
            delete from aurora_control.build_state;
        end if;
    end
    $aurora$;
    create table if not exists aurora_control.build_loads (
        model text not null,        -- schema.table of the incremental model
        load_id text not null,      -- a dlt load id the model's build has read
        built_at timestamptz not null default now(),
        primary key (model, load_id)
    );
    -- The periods each incremental model rebuilds, and whether the last build passed every test:
    -- what its data tests read (macros/tested_periods.sql).
    {{ ensure_tested_periods() }}
    -- The P&L tables rebuilt by period: what each must rebuild (macros/period_queue.sql).
    {{ ensure_period_queue() }}
    -- The periods final when this build started: the lookback leaves them to new loads
    -- (macros/lookback_periods.sql).
    {{ snapshot_final_periods() }}
    create table if not exists aurora_control.build_loads_pending (
        model text not null,
        load_id text not null,
        primary key (model, load_id)
    );
    -- What an input read whole was when each model last built (macros/fee_recipients_changed.sql):
    -- pending when it compiles, seen once its post-hook runs.
    create table if not exists aurora_control.build_inputs_pending (
        model text not null,
        input text not null,
        digest text not null,
        primary key (model, input)
    );
    create table if not exists aurora_control.build_inputs_seen (
        model text not null,
        input text not null,
        digest text not null,
        primary key (model, input)
    );
    -- Every completed load whose id is at most the model's floor is consumed: its build_loads rows
    -- are deleted (prune_build_loads), the floor stands for them.
    create table if not exists aurora_control.build_loads_floor (
        model text primary key,
        floor_load_id numeric not null,
        set_at timestamptz not null default now()
    );
    -- The lookback reads new loads' rows by load id: every raw table gets an index on it
    -- (cheap to keep: all rows of a load share one key). Created once; existing ones are skipped
    -- without locking the table.
    do $aurora$
    declare r record;
    begin
        for r in
            select c.table_schema, c.table_name, left(c.table_name, 50) || '__load_id' as index_name
            from information_schema.columns as c
            join information_schema.tables as t on t.table_schema = c.table_schema and t.table_name = c.table_name
            where c.column_name = '_dlt_load_id' and t.table_type = 'BASE TABLE'
              and c.table_schema in (select table_schema from information_schema.tables where table_name = '_dlt_loads')
              and not exists (select 1 from pg_indexes as i
                              where i.schemaname = c.table_schema and i.indexname = left(c.table_name, 50) || '__load_id')
        loop
            execute format('create index if not exists %I on %I.%I (_dlt_load_id)', r.index_name, r.table_schema, r.table_name);
        end loop;
    end
    $aurora$;
    -- Canonical tables built before 2026-12-03 hold an index on their unique key beside the
    -- primary key's (the same columns): every merged row paid for both. Dropped once.
    do $aurora$
    declare r record;
    begin
        for r in
            select i.indexrelid::regclass::text as index_name
            from pg_index as i
            join pg_index as pk on pk.indrelid = i.indrelid and pk.indisprimary
            join pg_class as t on t.oid = i.indrelid
            where t.relnamespace = to_regnamespace('{{ generate_schema_name('canonical', none) }}')
              and not i.indisunique and i.indkey = pk.indkey
              and i.indexprs is null and i.indpred is null
        loop
            execute format('drop index if exists %s', r.index_name);
        end loop;
    end
    $aurora$;
    -- A build of a few days reads the rows of those days' slots only (the validator states, the
    -- sync-committee rewards: macros/build_period_restriction.sql), and their grain tests the
    -- keys of new loads (macros/tested_periods.sql): an index on the slot serves them, where a
    -- mainnet day adds 3.6 million sync rewards to scan whole.
    -- The proposals of a few days (int_ethereum__proposals_classified) read their slots' blocks,
    -- rewards and relay claims and their block numbers' execution blocks and transactions (1.1
    -- million a mainnet day) by literal ranges: BRIN indexes, small whatever the history,
    -- since these rows are loaded a day at a time; a B-tree on the transactions' block number had
    -- doubled the INSERT of a mainnet day's transactions (1.3 -> 2.7 s).
    {%- for table, column, method in [('validator_states', 'state_slot', 'btree'), ('sync_committee_rewards', 'slot', 'btree'),
                                      ('beacon_blocks', 'slot', 'brin'), ('block_rewards', 'slot', 'brin'),
                                      ('relay_payloads', 'slot', 'brin'), ('execution_blocks', 'block_number', 'brin'),
                                      ('execution_transactions', 'block_number', 'brin')] %}
    {%- set relation = source('ethereum', table) %}
    {%- set name = table ~ '__' ~ column ~ ('' if method == 'btree' else '__' ~ method) %}
    do $aurora$
    begin
        if to_regclass('{{ relation }}') is not null
           and not exists (select 1 from pg_indexes where schemaname = '{{ relation.schema }}' and indexname = '{{ name }}') then
            create index if not exists {{ name }} on {{ relation }} using {{ method }} ({{ column }});
        end if;
    end
    $aurora$;
    {%- endfor %}
    -- The day-grain attestation rewards by day (the staging view's own expression: iso_date.sql):
    -- the grain test reads the rows of new loads' days, where a cast read the whole history
    -- (0.81 s at 100,000 validators x 32 days, EXPLAIN ANALYZE; 0.24 s so). Its keys come a day
    -- at a time, as the load ids' do.
    {%- set daily = source('ethereum', 'attestation_rewards_daily') %}
    do $aurora$
    begin
        if to_regclass('{{ daily }}') is not null
           and not exists (select 1 from pg_indexes where schemaname = '{{ daily.schema }}' and indexname = 'attestation_rewards_daily__day') then
            create index if not exists attestation_rewards_daily__day on {{ daily }} (({{ iso_date('day') }}));
        end if;
    end
    $aurora$;
{% endmacro %}


{#- The completed loads of every raw dataset, as SQL (load_id). -#}
{% macro completed_loads_sql() %}
    {%- set datasets = run_query("select table_schema from information_schema.tables where table_name = '_dlt_loads' and table_type = 'BASE TABLE' order by 1") -%}
    {%- set parts = [] -%}
    {%- for schema in datasets.columns[0].values() -%}
        {%- do parts.append("select load_id::text as load_id from " ~ adapter.quote(schema) ~ "._dlt_loads where status = 0") -%}
    {%- endfor -%}
    {{ return(parts | join(' union ') if parts else 'select null::text as load_id where false') }}
{% endmacro %}


{#
  Called when the model compiles: records the completed loads it has not consumed as pending for
  it, and returns
  {known: whether any build of it recorded its loads, new_loads: completed loads it has not
  consumed}.
#}
{% macro build_loads_state() %}
    {%- if not run_query("select to_regclass('aurora_control.build_loads_pending') is not null").columns[0].values()[0] -%}
        {#- a command that ran no on-run-start (dbt compile): the lookback falls back to scanning -#}
        {{ return(none) }}
    {%- endif -%}
    {%- set key = (this.schema ~ '.' ~ this.identifier) | replace("'", "''") -%}
    {%- do run_query("delete from aurora_control.build_loads_pending where model = '" ~ key ~ "'") -%}
    {%- do run_query("insert into aurora_control.build_loads_pending (model, load_id)
        select distinct '" ~ key ~ "', c.load_id from (" ~ completed_loads_sql() ~ ") as c
        where c.load_id is not null
          and not exists (select 1 from aurora_control.build_loads as b where b.model = '" ~ key ~ "' and b.load_id = c.load_id)
          and not exists (select 1 from aurora_control.build_loads_floor as f
                          where f.model = '" ~ key ~ "' and " ~ load_id_number('c.load_id') ~ " <= f.floor_load_id)") -%}
    {%- set known = run_query("select exists (select 1 from aurora_control.build_loads where model = '" ~ key ~ "')
        or exists (select 1 from aurora_control.build_loads_floor where model = '" ~ key ~ "')").columns[0].values()[0] -%}
    {%- set fresh = run_query("select load_id from aurora_control.build_loads_pending where model = '" ~ key ~ "' order by 1") -%}
    {{ return({'known': known, 'new_loads': fresh.columns[0].values() | list}) }}
{% endmacro %}


{#- Canonical post-hook: the loads this build of the model read are consumed, and the inputs it
    read whole are seen (no-op for models without a lookback). -#}
{% macro record_build_loads() %}
    {%- set key = (this.schema ~ '.' ~ this.identifier) | replace("'", "''") -%}
    insert into aurora_control.build_loads (model, load_id)
    select model, load_id from aurora_control.build_loads_pending where model = '{{ key }}'
    on conflict do nothing;
    delete from aurora_control.build_loads_pending where model = '{{ key }}';
    insert into aurora_control.build_inputs_seen (model, input, digest)
    select model, input, digest from aurora_control.build_inputs_pending where model = '{{ key }}'
    on conflict (model, input) do update set digest = excluded.digest;
    delete from aurora_control.build_inputs_pending where model = '{{ key }}'
{% endmacro %}


{#- A dlt load id as a number (they are creation timestamps), null for anything else: never below a floor. -#}
{% macro load_id_number(expr) -%}
    (case when {{ expr }} ~ '^[0-9]+(\.[0-9]+)?$' then ({{ expr }})::numeric end)
{%- endmacro %}


{#
  on-run-end: build_loads keeps one row per model per load forever unless pruned. Per model, the
  floor rises to the largest consumed load id F such that every load that is or may become a
  completed load with an id at most F is consumed; the rows at or below it are deleted. What
  counts as unconsumed is unchanged, because below F:
    - every completed load is consumed (F is below the model's first unconsumed completed load);
    - no load can complete later: F is below the id of every load recorded as extracted or
      committing and not completed (aurora_control.loads, loaders/pipeline.py), and older than
      AURORA_BUILD_LOADS_KEEP_DAYS days (default 7; a load id is its creation time): a package
      still being extracted has not been recorded yet, and no package takes that long to extract.
  Runs under the build's locks (no load commits meanwhile); a model's rows are only ever removed
  together with a floor that covers them, in one transaction.
#}
{% macro prune_build_loads() %}
    {%- if execute and run_query("select to_regclass('aurora_control.build_loads_floor') is not null").columns[0].values()[0] -%}
    {%- set days = env_var('AURORA_BUILD_LOADS_KEEP_DAYS', '7') | trim -%}
    {%- if not modules.re.match('^[0-9]+(\.[0-9]+)?$', days) -%}
        {{ exceptions.raise_compiler_error("AURORA_BUILD_LOADS_KEEP_DAYS must be a number of days, got '" ~ days ~ "'") }}
    {%- endif -%}
    {%- set control = run_query("select to_regclass('aurora_control.loads') is not null").columns[0].values()[0] -%}
    with completed as (

        {{ completed_loads_sql() }}

    ),

    bound as (

        select least(
            extract(epoch from now()) - {{ days }} * 86400
            {%- if control %},
            (select min({{ load_id_number('l.load_id') }}) from aurora_control.loads as l
             where l.state in ('extracted', 'committing')
               and not exists (select 1 from completed as c where c.load_id = l.load_id))
            {%- endif %}
        ) as below

    ),

    models as (

        select b.model, f.floor_load_id
        from (select distinct model from aurora_control.build_loads) as b
        left join aurora_control.build_loads_floor as f on f.model = b.model

    ),

    first_unconsumed as (

        select m.model, m.floor_load_id, (
            select min({{ load_id_number('c.load_id') }}) from completed as c
            where not exists (select 1 from aurora_control.build_loads as b where b.model = m.model and b.load_id = c.load_id)
              and ({{ load_id_number('c.load_id') }} <= m.floor_load_id) is not true
        ) as first_id
        from models as m

    ),

    floors as (

        select u.model, max({{ load_id_number('b.load_id') }}) as floor_load_id
        from first_unconsumed as u
        join aurora_control.build_loads as b on b.model = u.model
        cross join bound
        where (u.first_id is null or {{ load_id_number('b.load_id') }} < u.first_id)
          and {{ load_id_number('b.load_id') }} < bound.below
          and (u.floor_load_id is null or {{ load_id_number('b.load_id') }} > u.floor_load_id)
        group by u.model

    ),

    raised as (

        insert into aurora_control.build_loads_floor as f (model, floor_load_id)
        select model, floor_load_id from floors where floor_load_id is not null
        on conflict (model) do update set floor_load_id = greatest(f.floor_load_id, excluded.floor_load_id), set_at = now()
        returning f.model, f.floor_load_id

    )

    delete from aurora_control.build_loads as b
    using raised
    where b.model = raised.model and {{ load_id_number('b.load_id') }} <= raised.floor_load_id
    {%- else -%}
    select 1
    {%- endif -%}
{% endmacro %}
