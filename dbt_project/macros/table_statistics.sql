{#
  A post-hook of every model (dbt_project.yml): a table the build just created (no column
  statistics yet; an empty one has none either and costs nothing to analyze), or one whose rows
  changed by more than autovacuum's analyze threshold (50 + 10% of its rows) since its statistics
  were taken, is analyzed in the model's transaction, before the models that read it are
  planned. A table created by a build has no statistics until autovacuum reaches it: a build run
  before then (right after a first build or a `--full-refresh`, or on a server with autovacuum
  off) planned from estimates of a few rows per period. At 200,000 validators,
  fct_validator_pnl then merged the day's grid with itself on the chain alone (40 billion pairs,
  cancelled after 10 minutes; 3-6 s analyzed). ANALYZE reads a sample (30,000 rows at the
  default statistics target): ~0.1 s for a table of 200,000 rows. Statistics change plans,
  never results. Views have none to take.
#}
{% macro analyze_if_stale() -%}
    {%- if config.get('materialized') in ('table', 'incremental') -%}
    do $aurora$
    begin
        if exists (
            select 1
            from pg_class as c
            left join pg_stat_user_tables as s on s.relid = c.oid
            where c.oid = to_regclass('{{ this }}')
              -- no column statistics: never analyzed (an index built on the new rows sets
              -- reltuples, never these), or empty (nothing to read then)
              and (not exists (select 1 from pg_stats as st
                               where st.schemaname = '{{ this.schema }}' and st.tablename = '{{ this.identifier }}')
                   or coalesce(s.n_mod_since_analyze, 0) > 50 + 0.1 * c.reltuples)
        ) then
            analyze {{ this }};
        end if;
    end
    $aurora$
    {%- endif -%}
{%- endmacro %}
