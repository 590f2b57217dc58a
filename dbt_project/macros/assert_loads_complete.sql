{#
  Run before every dbt command (on-run-start in dbt_project.yml): refuse to build while a raw
  load is half written, so no build, `aurora build` or a `dbt build` by hand, shows a period
  half merged. loaders/pipeline.py writes aurora_control.loads; a load step still `committing`
  is waited for when it is running (its commit lock), else reported; an `abandoned` load counts
  until a later load of its period completed. `aurora build` and `aurora run` finish what they
  can before building, so this only ever stops a build that would have been wrong.
#}
{% macro assert_loads_complete() %}
    {%- if execute -%}
        {%- set present = run_query("select to_regclass('aurora_control.loads') is not null") -%}
        {%- if present.columns[0].values()[0] -%}
            {%- set rows = run_query("
                select l.pipeline, l.dataset, l.load_id, coalesce(l.chain, l.pipeline), coalesce('period ' || l.period_id, 'snapshot'), l.state
                from aurora_control.loads as l
                where l.state = 'committing'
                   or (l.state = 'abandoned' and not exists (
                        select 1 from aurora_control.loads as later
                        where later.pipeline = l.pipeline and later.state = 'loaded' and later.created_at > l.created_at
                          and later.chain is not distinct from l.chain and later.period_id is not distinct from l.period_id))
                order by l.created_at") -%}
            {%- set problems = [] -%}
            {%- for row in rows.rows -%}
                {%- set pipeline, dataset, load_id, chain, period, state = row -%}
                {%- if state == 'committing' -%}
                    {#- wait for a load step in progress: it holds its commit lock until it is done -#}
                    {%- set key = "('x' || left(encode(sha256(convert_to('commit:" ~ dataset ~ "', 'UTF8')), 'hex'), 8))::bit(32)::int" -%}
                    {%- do run_query("select pg_advisory_lock_shared(1096110671, " ~ key ~ "), pg_advisory_unlock_shared(1096110671, " ~ key ~ ")") -%}
                    {%- set done = run_query("select count(*) from pg_tables where schemaname = '" ~ dataset ~ "' and tablename = '_dlt_loads'") -%}
                    {%- set completed = false -%}
                    {%- if done.columns[0].values()[0] > 0 -%}
                        {%- set completed = run_query("select count(*) from \"" ~ dataset ~ "\"._dlt_loads where status = 0 and load_id = '" ~ load_id ~ "'").columns[0].values()[0] > 0 -%}
                    {%- endif -%}
                    {%- if not completed -%}
                        {%- do problems.append(chain ~ " " ~ period ~ ": load " ~ load_id ~ " (" ~ pipeline ~ ") stopped half written; `aurora build` or the next `aurora run` finishes it") -%}
                    {%- endif -%}
                {%- else -%}
                    {%- do problems.append(chain ~ " " ~ period ~ ": load " ~ load_id ~ " (" ~ pipeline ~ ") was discarded half written; the next `aurora run` of " ~ chain ~ " loads that period again") -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if problems -%}
                {{ exceptions.raise_compiler_error("not building: a raw load is half written, and building now would show its period half merged.\n  " ~ problems | join("\n  ")) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
