{#
  Late data, in one place. An incremental canonical model rebuilds whole periods, and only:
    - periods touched by dlt loads the model has not consumed yet (a new period, a backfill of
      old epochs, a restated settlement): the completed loads (`_dlt_loads` rows with status 0,
      every raw dataset) missing from `aurora_control.build_loads` for this model, their periods
      read from the staging rows of those loads only (`load_id in (...)`, an index scan:
      macros/build_state.sql indexes every raw table's `_dlt_load_id`);
    - periods the model already holds inside their chain's finality lag (plus
      `lookback_margin_periods`) that were not final when the build started (a final period
      changes only through a load of its own, above: `snapshot_final_periods`, below);
    - every period when the operators' fee recipients it reads changed since its last build
      (macros/fee_recipients_changed.sql);
    - every period when the model is built from scratch, or when healing (`aurora build --heal`, macros/heal_requested.sql), or the
      first time it is built incrementally without a record of the loads it consumed (a warehouse
      built before that record existed: the loads newer than the newest `source_load_id` it holds).

  The periods are found when the model is compiled (just before it runs, on its connection) and
  written into its SQL as a literal list, so no build scans staging to find them, and the
  planner knows how few they are. The loads found are written to
  `aurora_control.build_loads_pending`; the canonical post-hook (`record_build_loads`) moves them
  to `build_loads` in the model's own transaction, so a failed build consumes nothing.

  `relations` are staging relations exposing `chain`, `load_id` and the period's sequence number
  under `seq_column` (epoch for Solana); an item may also be a pair [relation, its own column].
  Returns (chain, period_seq) rows.
#}
{% macro lookback_periods(relations, seq_column) -%}
    {#- referenced outside the branch so dbt sees the dependency when parsing -#}
    {%- set chains_relation = ref('chains') -%}
    {%- set items = [] -%}
    {%- for item in relations -%}
        {%- do items.append((item[0], item[1]) if item is sequence and item is not string and item | length == 2 else (item, seq_column)) -%}
    {%- endfor -%}
    {%- set touched -%}
        {%- for relation, column in items %}
        select chain, {{ column }}::bigint as period_seq, load_id::numeric as load_id from {{ relation }}
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    {%- endset -%}
    {%- set state = build_loads_state() if execute and model.resource_type != 'unit_test' else none -%}
    {#- the operators' fee recipients changed since this model's last build: every period -#}
    {%- set restate = fee_recipients_changed() -%}
    {%- if is_incremental() and not heal_requested() and not restate and state is not none and state.known %}
    {{ build_periods_from_loads(items, state.new_loads, chains_relation) }}
    {%- elif is_incremental() and not heal_requested() and not restate %}
    {#- the fallback, and below every period: the model's data tests read everything -#}
    {%- do record_build_periods(none) %}
    select distinct touched.chain, touched.period_seq
    from ({{ touched }}) as touched
    join {{ chains_relation }} as chains on chains.chain = touched.chain
    left join (
        select chain, max(period_seq) as max_seq, max(source_load_id::numeric) as watermark
        from {{ this }}
        group by chain
    ) as seen on seen.chain = touched.chain
    where seen.chain is null
       or touched.load_id > seen.watermark
       or touched.period_seq > seen.max_seq - chains.finality_lag - {{ var('lookback_margin_periods', 1) }}
    {%- else %}
    {%- do record_build_periods(none) %}
    select distinct touched.chain, touched.period_seq
    from ({{ touched }}) as touched
    {%- endif %}
{%- endmacro %}


{#
  The periods to rebuild, found now and written as a literal list: those of the given staging
  relations' rows from the `new_loads` (load ids), and those the model holds inside the lookback
  window of their chain that were not final when the build started (`final_periods`, below).
  Reads only the new loads' rows and, for each period of the window, whether the model holds it:
  one probe of its (chain, period_seq) index per period. Reading the window's rows to list their
  distinct periods cost 0.34-0.60 s of validator_meta's build at 100,000 validators (a day's
  100,000 rows per period; the probes, 0.006 s).
#}
{% macro build_periods_from_loads(items, new_loads, chains_relation) -%}
    {%- set parts = [] -%}
    {%- if new_loads -%}
        {%- set ids = [] -%}
        {%- for id in new_loads %}{% do ids.append("'" ~ (id | replace("'", "''")) ~ "'") %}{% endfor -%}
        {%- for relation, column in items -%}
            {%- do parts.append("select chain, " ~ column ~ "::bigint as period_seq from " ~ relation ~ " where load_id in (" ~ ids | join(', ') ~ ")") -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do parts.append("
        select mine.chain, mine.period_seq
        from " ~ chains_relation ~ " as chains
        cross join lateral (select max(period_seq) as max_seq from " ~ this ~ " where chain = chains.chain) as seen
        join lateral (
            select chains.chain, window_seq.period_seq
            from generate_series(seen.max_seq - chains.finality_lag - " ~ var('lookback_margin_periods', 1) ~ " + 1, seen.max_seq) as window_seq (period_seq)
            where exists (select 1 from " ~ this ~ " as held where held.chain = chains.chain and held.period_seq = window_seq.period_seq)
        ) as mine on true
        where not exists (
            select 1 from aurora_control.final_periods as final
            where final.chain = mine.chain and final.period_seq = mine.period_seq
        )") -%}
    {%- set found = run_query("select distinct touched.chain, touched.period_seq from (" ~ parts | join(' union ') ~ ") as touched
        join " ~ chains_relation ~ " as chains on chains.chain = touched.chain where touched.period_seq is not null order by 1, 2") -%}
    {#- what this build rewrites: its data tests read only these periods (macros/tested_periods.sql) -#}
    {%- do record_build_periods(found.rows) -%}
    {%- if found.rows | length == 0 %}
    select null::text as chain, null::bigint as period_seq where false
    {%- else %}
    select chain, period_seq from (values
        {%- for row in found.rows %}
        ('{{ row[0] | replace("'", "''") }}'::text, {{ row[1] }}::bigint){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as build_periods (chain, period_seq)
    {%- endif %}
{%- endmacro %}


{#
  Restatement removes what it explains: a model whose rows are findings about a period (an
  exception) deletes every row of each period it is about to rebuild (pre-hook), so a finding a
  later load explains disappears even when the rebuilt period has none left. The model's own
  lookback is compiled before the delete runs, from the same loads and the same stored periods,
  so it names every deleted period. Call it with the model's lookback_periods arguments.
#}
{% macro delete_rebuilt_periods(relations, seq_column) -%}
    {%- if is_incremental() and not heal_requested() -%}
    delete from {{ this }} as target
    using ({{ lookback_periods(relations, seq_column) }}) as rebuilt
    where target.chain = rebuilt.chain and target.period_seq = rebuilt.period_seq
    {%- elif is_incremental() -%}
    delete from {{ this }}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}


{#
  The periods `canonical.periods` held as final when this build started (on-run-start), in
  `aurora_control.final_periods`. A final period's inputs no longer move: its data, and every
  restatement of it, arrive as loads whose staging rows name it, and its finality (the head's
  snapshot, a load of another period) has already been read. So the lookback window rebuilds
  only the periods in it that were not final: a new day after a final one rebuilds that day
  alone. Taken at the start, not read when each model compiles: a period `canonical.periods`
  marks final during this build is rebuilt by every model of this build, with the head that made
  it final, whichever order they run in.
#}
{% macro snapshot_final_periods() -%}
    create table if not exists aurora_control.final_periods (
        chain text not null,
        period_seq bigint not null,
        primary key (chain, period_seq)
    );
    do $aurora$
    begin
        delete from aurora_control.final_periods;
        if to_regclass('{{ generate_schema_name('canonical', none) }}.periods') is not null then
            insert into aurora_control.final_periods (chain, period_seq)
            select distinct chain, period_seq from {{ generate_schema_name('canonical', none) }}.periods
            where is_final and period_seq is not null;
        end if;
    end
    $aurora$;
{%- endmacro %}
