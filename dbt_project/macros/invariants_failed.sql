{#
  Row-level invariants, in one place. A P&L row whose inputs break one is built anyway, flagged
  `invariant_failed:<name>` and never final (models/intermediate/shared/int_invariants_failed.sql
  lists them); structural tests (grain, keys, relationships, contracts) still stop the build.

  Each check is (name, relation, condition): `relation` has chain, validator_key (null: every
  validator of the period), period_id and period_seq; `periods` are those to list (none: all); `condition` is true on the offending rows. Adding one is
  one line in int_invariants_failed.sql, e.g. a boolean flag column a model computes:
      ('fee_split', ref('validator_fees'), 'has_fee_split_mismatch'),
#}
{% macro invariants_failed(checks, periods=none) %}
    {%- for name, relation, condition in checks %}
    select chain, validator_key, period_id, period_seq, '{{ name }}'::text as invariant
    from {{ relation }}
    where coalesce(({{ condition }}), true) and {{ in_queued_periods(periods) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endmacro %}


{#- Post-hook of marts.fct_validator_pnl: an index of its rows flagged with a failed invariant,
    which `aurora build` lists after every build (loaders/cli.py, INVARIANT_ROWS_SQL: the same
    condition, so the planner can use it). They are few; the listing scanned the whole mart (0.58 s
    at 100,000 validators x 33 days, growing with the history). -#}
{% macro index_invariant_rows() -%}
    do $aurora$
    begin
        if not exists (select 1 from pg_index
                       where indrelid = to_regclass('{{ this }}')
                         and pg_get_expr(indpred, indrelid) like '%invariant_failed:%') then
            create index on {{ this }} (chain, period_seq, validator_key) where data_gaps like '%invariant_failed:%';
        end if;
    end
    $aurora$
{%- endmacro %}
