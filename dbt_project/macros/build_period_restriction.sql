{#
  Intermediate views restricted to the periods a build rewrites. An incremental canonical model
  joins its literal list of periods (macros/lookback_periods.sql) to intermediate views that
  compute every day of history (sums per validator and day, the validator-day grid): a join
  cannot reach inside a view's aggregates, so each view was computed whole and all but the
  build's days thrown away, and a new day's build grew with the history.

  - `restrict_views_to_build_periods()` is a pre-hook of such a model: it sets the transaction-local
    setting `aurora.build_periods` to the periods this model's compile recorded in
    `aurora_control.build_periods` ('chain:period_seq', comma separated), or to '' when it rebuilds
    every period ('*': a first build, --full-refresh, healing, the fallback rule) or recorded
    nothing, and records it in `aurora_control.build_restrictions` (invocation, model). The
    setting ends with the model's transaction: no other node, test or reader sees it.
  - `in_build_periods(chain, period_seq)` is the condition a view puts on its days: true for every
    day when the setting is unset or '', else only for the listed periods. Only views whose every
    output row is computed from its own day's inputs use it (a view carrying state from earlier
    days must not), and only models whose rows from those views are joined to the same build
    periods set it: the restriction removes nothing such a model keeps.
#}
{% macro restrict_views_to_build_periods() -%}
    {%- set recorded = execute and run_query("select to_regclass('aurora_control.build_restrictions') is not null").columns[0].values()[0] -%}
    {%- if recorded -%}
    {%- set key = (this.schema ~ '.' ~ this.identifier) | replace("'", "''") -%}
    {#- recorded in the model's transaction: what it restricted, for operators and tests -#}
    insert into aurora_control.build_restrictions (invocation_id, model, build_periods)
    select '{{ invocation_id }}', '{{ key }}', set_config('aurora.build_periods', coalesce((
        select string_agg(chain || ':' || period_seq, ',' order by chain, period_seq)
        from aurora_control.build_periods
        where invocation_id = '{{ invocation_id }}' and model = '{{ key }}'
        having not bool_or(chain = '*')
    ), ''), true)
    on conflict (invocation_id, model) do update set build_periods = excluded.build_periods
    {%- else -%}
    select set_config('aurora.build_periods', '', true)
    {%- endif -%}
{%- endmacro %}


{% macro in_build_periods(chain_column, seq_column) -%}
    (coalesce(current_setting('aurora.build_periods', true), '') = ''
     or ({{ chain_column }} || ':' || {{ seq_column }}) = any(string_to_array(current_setting('aurora.build_periods', true), ',')))
{%- endmacro %}
