{#
  Late data, in one place. An incremental canonical model rebuilds whole periods, and only:
    - periods touched by dlt loads newer than the newest load the model has seen (a backfill of
      old epochs, a restated settlement), found through the `load_id` of the staging rows;
    - periods still inside their chain's finality lag (plus `lookback_margin_periods`), which
      providers may restate without us knowing;
    - every period when the model is built from scratch, or with `--vars '{heal: true}'`.

  `relations` are staging relations exposing `chain`, `load_id` and the period's sequence number
  under `seq_column` (epoch for Solana); an item may also be a pair [relation, its own column].
  Returns (chain, period_seq) rows.
#}
{% macro lookback_periods(relations, seq_column) -%}
    {#- referenced outside the branch so dbt sees the dependency when parsing -#}
    {%- set chains_relation = ref('chains') -%}
    {%- set touched -%}
        {%- for item in relations %}
        {%- set relation, column = (item[0], item[1]) if item is sequence and item is not string and item | length == 2 else (item, seq_column) %}
        select chain, {{ column }}::bigint as period_seq, load_id::numeric as load_id from {{ relation }}
        {%- if not loop.last %} union all{% endif %}
        {%- endfor %}
    {%- endset -%}
    {%- if is_incremental() and not var('heal', false) %}
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
    select distinct touched.chain, touched.period_seq
    from ({{ touched }}) as touched
    {%- endif %}
{%- endmacro %}


{#
  Restatement removes what it explains: a model whose rows are findings about a period (an
  exception) deletes every row of each period it is about to rebuild (pre-hook), so a finding a
  later load explains disappears even when the rebuilt period has none left. The model's own
  lookback runs after the delete and can only widen (its watermark can only drop), so every
  deleted period is rebuilt. Call it with the model's lookback_periods arguments.
#}
{% macro delete_rebuilt_periods(relations, seq_column) -%}
    {%- if is_incremental() and not var('heal', false) -%}
    delete from {{ this }} as target
    using ({{ lookback_periods(relations, seq_column) }}) as rebuilt
    where target.chain = rebuilt.chain and target.period_seq = rebuilt.period_seq
    {%- elif is_incremental() -%}
    delete from {{ this }}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
