{#
  The P&L tables rebuilt by period. `int_pnl_grid`, `int_pnl_gaps_listed`,
  `marts.fct_validator_pnl`, `int_books__validator_days_apportioned` and
  `int_books__validator_days_split` hold a row per validator and period (per code, per day piece,
  per holder) over all history, `int_books__chain_period_days` a row per period and day; rebuilt
  whole, every build cost what the history holds. They are incremental: each build deletes and
  recomputes only the periods whose inputs may have changed, and the rows of every other period
  are what a whole rebuild would give (tests/dbt/test_build_periods.py).

  A period is rebuilt (queued for each of the six tables in `aurora_control.period_queue`) when:
    - an incremental canonical model these tables read (directly or not) rebuilt it: every period
      its `record_build_periods` records (macros/tested_periods.sql: the lookback's new loads and
      finality window) is queued, so a restated reward, fee or settlement reaches the marts,
      whichever command built the model;
    - its rows are not final yet (it has a row in int_pnl_gaps_listed): pending and incomplete
      rows depend on the clock, on prices still to come and on rejections still open;
    - a small input read by period changed since the last time `int_pnl_grid` compiled (its rows
      are kept, hashed, in `aurora_control.period_inputs_seen`): the expected periods, whether
      each is loaded and how (the period loads' block source and what was unsettled), the daily
      prices and the open price rejections (the periods whose price day it is), the open
      rejections and the failed invariants (their periods).
  Every period is rebuilt when the table is new, on --full-refresh or healing, the first time a
  table built before this queue existed is built, when an upstream model rebuilt everything, or
  when an input read whole changed: the registry's chains, tracked validators and provider
  mappings, a validator's operator (canonical.validator_identities), or the holders' terms
  (books.yaml, int_books__holder_weights_resolved).

  `int_invariants_failed` (the failed row-level invariants, read by the grid) is rebuilt by period
  too, from the same queue: the periods its canonical models rebuilt (it takes its own rows; the
  grid's watched inputs and unfinished periods do not concern it).

  A table's queued rows are taken when it compiles (written as a literal list, and recorded as its
  build periods: its views are restricted to them, macros/build_period_restriction.sql, and its
  data tests read them, macros/tested_periods.sql); its pre-hook deletes their rows, and its
  post-hook removes the rows it took from the queue, in its own transaction. A failed build
  leaves them queued, so the next build rebuilds them; a period queued again meanwhile is a new
  row with a newer id, and stays.
#}
{% macro period_queue_models() -%}
    {{ return(pnl_queue_models() + ['int_invariants_failed']) }}
{%- endmacro %}


{#- The tables the grid takes the queue for, together: those rebuilt from its rows and inputs.
    int_invariants_failed (read by the grid) reads canonical rows only: it takes its own. -#}
{% macro pnl_queue_models() -%}
    {{ return(['int_pnl_grid', 'int_pnl_gaps_listed', 'fct_validator_pnl', 'int_books__validator_days_apportioned',
               'int_books__validator_days_split', 'int_books__chain_period_days']) }}
{%- endmacro %}


{#- Whether the model being compiled is read, directly or not, by a table rebuilt by period
    (another model's rebuilt periods change nothing there: validator_exceptions keeps old days). -#}
{% macro feeds_period_tables() %}
    {%- set tables = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name in period_queue_models() -%}
        {%- do tables.append(node.unique_id) -%}
    {%- endfor -%}
    {{ return(model.unique_id in upstream_nodes(tables)) }}
{% endmacro %}


{#- on-run-start (from ensure_build_state): the queue and what int_pnl_grid last saw. -#}
{% macro ensure_period_queue() %}
    create table if not exists aurora_control.period_queue (
        id bigserial primary key,
        model text not null,        -- a table rebuilt by period (period_queue_models)
        chain text not null,        -- '*': every period
        period_seq bigint not null
    );
    -- No unique key: models building at once queue the same periods in their own open
    -- transactions, and a unique key made each wait for the other's commit (a period queued twice
    -- is rebuilt once; the latest id keeps it queued past a build that took an earlier one).
    -- the queue ids each table took in this build: its post-hook removes those
    create table if not exists aurora_control.period_queue_taken (
        invocation_id text not null,
        model text not null,
        ids bigint[] not null,
        primary key (invocation_id, model)
    );
    delete from aurora_control.period_queue_taken where invocation_id <> '{{ invocation_id }}';
    -- the tables built by this queue at least once (before that, a table rebuilds everything)
    create table if not exists aurora_control.period_queue_built (
        model text primary key
    );
    create table if not exists aurora_control.period_inputs_seen (
        input text not null,
        chain text not null,
        period_key text not null,
        row_hash text not null
    );
{% endmacro %}


{#- Queues periods for every table rebuilt by period (or those `models`); rows are (chain, period_seq), none for all. -#}
{% macro queue_periods(rows, models=none) %}
    {%- set values = period_values(rows) -%}
    {%- if values and run_query("select to_regclass('aurora_control.period_queue') is not null").columns[0].values()[0] -%}
        {%- do run_query("insert into aurora_control.period_queue (model, chain, period_seq)
            select m.model, v.chain, v.period_seq
            from (values " ~ values | join(', ') ~ ") as v (chain, period_seq)
            cross join unnest(array['" ~ (models or period_queue_models()) | join("', '") ~ "']) as m (model)") -%}
    {%- endif -%}
{% endmacro %}


{#
  Called when a table rebuilt by period compiles: the periods it rebuilds, as a list of
  (chain, period_seq), or none for every period. `int_pnl_grid` (watch_inputs) first queues the
  periods whose small inputs changed and those not final yet, then takes the queue as it sees it
  for all six tables: in one build they rebuild the same periods, whatever another model queues
  while they run (that stays queued for all six).
#}
{% macro queued_periods(watch_inputs=false) %}
    {#- referenced outside the branches so dbt sees the dependencies when parsing; the canonical
        models the six tables read are built (and have queued their periods) before the grid -#}
    {%- set inputs = {
        'chains': ref('chains'), 'operator_validators': ref('operator_validators'),
        'chain_provider_mappings': ref('chain_provider_mappings'), 'validator_identities': ref('validator_identities'),
        'holder_weights': ref('int_books__holder_weights_resolved'),
        'periods_expected': ref('int_periods_expected'), 'periods': ref('periods'), 'daily_prices': ref('daily_prices'),
        'price_rejections': ref('stg_prices__rejected_items'), 'rejections': ref('int_rejections_opened'),
        'invariants': ref('int_invariants_failed'),
        'period_loads': [ref('stg_solana__period_loads'), ref('stg_ethereum__period_loads')],
        'read': [ref('stake_rewards'), ref('validator_fees'), ref('validator_mev'), ref('validator_costs')]} if watch_inputs else {} -%}
    {%- if not execute or model.resource_type != 'model' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not run_query("select to_regclass('aurora_control.period_queue') is not null").columns[0].values()[0] -%}
        {#- a command that ran no on-run-start (dbt compile) -#}
        {%- do record_build_periods(none) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set name = this.identifier | replace("'", "''") -%}
    {#- the ids taken, not an id bound: a row another open transaction queued is not visible yet,
        and its id may be below the ones that are -#}
    {%- if watch_inputs -%}
        {%- do queue_changed_inputs(inputs) -%}
        {%- do run_query("insert into aurora_control.period_queue_taken (invocation_id, model, ids)
            select '" ~ invocation_id ~ "', m.model,
                   array(select q.id from aurora_control.period_queue as q where q.model = m.model order by q.id)
            from unnest(array['" ~ pnl_queue_models() | join("', '") ~ "']) as m (model)
            on conflict (invocation_id, model) do update set ids = excluded.ids") -%}
    {%- else -%}
        {%- do run_query("insert into aurora_control.period_queue_taken (invocation_id, model, ids)
            select '" ~ invocation_id ~ "', '" ~ name ~ "',
                   array(select q.id from aurora_control.period_queue as q where q.model = '" ~ name ~ "' order by q.id)
            on conflict (invocation_id, model) do nothing") -%}
    {%- endif -%}
    {%- set taken_rows -%}
        select q.chain, q.period_seq from aurora_control.period_queue as q
        join aurora_control.period_queue_taken as t on t.invocation_id = '{{ invocation_id }}' and t.model = q.model
        where q.model = '{{ name }}' and q.id = any(t.ids)
    {%- endset -%}
    {%- set taken = run_query("select coalesce(bool_or(chain = '*'), false),
            exists (select 1 from aurora_control.period_queue_built where model = '" ~ name ~ "')
        from (" ~ taken_rows ~ ") as taken").rows[0] -%}
    {%- if not is_incremental() or heal_requested() or taken[0] or not taken[1] -%}
        {%- do record_build_periods(none) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set found = run_query("select distinct chain, period_seq from (" ~ taken_rows ~ ") as taken order by 1, 2") -%}
    {%- do record_build_periods(found.rows) -%}
    {{ return(found.rows) }}
{% endmacro %}


{#
  The periods whose small inputs changed since int_pnl_grid last compiled, and the periods not
  final yet, queued; what was seen is replaced by what is there now. An input row that names no
  expected period queues every period.
#}
{#- A row without a period (a rejection of an item outside any period) is left out: nothing the
    P&L tables hold joins it, and a null key cannot be kept. -#}
{% macro queue_changed_inputs(inputs) %}
    {%- set now_rows -%}
        select 'whole' as input, '*' as chain, '*' as period_key,
               md5(coalesce(string_agg(r, '|' order by r), '')) as row_hash
        from (
            select 'chain ' || row(c.*)::text as r from {{ inputs.chains }} as c
            union all
            select 'tracked ' || row(o.*)::text from {{ inputs.operator_validators }} as o
            union all
            select 'mapping ' || row(m.*)::text from {{ inputs.chain_provider_mappings }} as m
            union all
            select 'operator ' || row(i.chain, i.validator_key, i.operator)::text from {{ inputs.validator_identities }} as i
            union all
            select 'holder ' || row(h.*)::text from {{ inputs.holder_weights }} as h
        ) as whole
        union all
        select 'expected', chain, period_seq::text, md5(row(period_id, period_type, is_loaded)::text)
        from {{ inputs.periods_expected }}
        {%- for loads in inputs.period_loads %}
        union all
        select 'expected', chain, period_seq::text || ' loaded', md5(row(period_id, block_source, unsettled)::text)
        from {{ loads }} where period_seq is not null
        {%- endfor %}
        union all
        select 'price', chain, price_date::text, md5(row(price_usd)::text) from {{ inputs.daily_prices }}
        union all
        select distinct 'price_rejection', chain, period_id, 'open' from {{ inputs.price_rejections }} where is_open and period_id is not null
        union all
        select 'rejection', chain, period_id, md5(string_agg(row(validator_key, gap, open_rejections)::text, '|' order by row(validator_key, gap, open_rejections)::text))
        from {{ inputs.rejections }} where period_id is not null group by chain, period_id
        union all
        select 'invariant', chain, period_id, md5(string_agg(row(validator_key, invariant)::text, '|' order by row(validator_key, invariant)::text))
        from {{ inputs.invariants }} where period_id is not null group by chain, period_id
    {%- endset -%}
    {%- set gaps = adapter.get_relation(database=this.database, schema=this.schema, identifier='int_pnl_gaps_listed') -%}
    {%- set gaps_have_periods = gaps is not none and 'period_seq' in (adapter.get_columns_in_relation(gaps) | map(attribute='name') | list) -%}
    {%- set changed = run_query("
        with now_rows as (" ~ now_rows ~ "),
        changed as (
            select distinct coalesce(n.input, s.input) as input, coalesce(n.chain, s.chain) as chain, coalesce(n.period_key, s.period_key) as period_key
            from now_rows as n
            full join aurora_control.period_inputs_seen as s
                on s.input = n.input and s.chain = n.chain and s.period_key = n.period_key and s.row_hash = n.row_hash
            where n.input is null or s.input is null
        ),
        expected as (
            select e.chain, e.period_id, e.period_seq,
                   coalesce(((p.period_end - interval '1 microsecond') at time zone 'UTC')::date,
                            case when e.period_type = 'day' then e.period_id::date end) as price_date
            from " ~ inputs.periods_expected ~ " as e
            left join " ~ inputs.periods ~ " as p on p.chain = e.chain and p.period_id = e.period_id
        ),
        mapped as (
            select c.input, c.chain, c.period_key, e.period_seq
            from changed as c
            left join expected as e
                on e.chain = c.chain
                and ((c.input in ('rejection', 'invariant') and e.period_id = c.period_key)
                     or (c.input in ('price', 'price_rejection') and e.price_date::text = c.period_key))
            where c.input not in ('whole', 'expected')
        )
        select '*', -1::bigint from changed where input = 'whole'
        union
        select chain, split_part(period_key, ' ', 1)::bigint from changed where input = 'expected'
        union
        select chain, period_seq from mapped where period_seq is not null
        union
        -- a rejection or failed invariant of a period nothing expects: everything, to be safe
        select '*', -1 from mapped where period_seq is null and input in ('rejection', 'invariant')
        " ~ ("union select distinct chain, period_seq from " ~ gaps if gaps_have_periods else "union select '*', -1") ~ "
        order by 1, 2") -%}
    {%- set everything = [] -%}
    {%- for row in changed.rows if row[0] == '*' %}{% do everything.append(row) %}{% endfor -%}
    {%- if everything -%}
        {%- do queue_periods(none, pnl_queue_models()) -%}
    {%- elif changed.rows | length -%}
        {%- do queue_periods(changed.rows, pnl_queue_models()) -%}
    {%- endif -%}
    {%- do run_query("delete from aurora_control.period_inputs_seen; insert into aurora_control.period_inputs_seen (input, chain, period_key, row_hash) " ~ now_rows) -%}
{% endmacro %}


{#- `(chain, period_seq) in (...)` for the rows of the periods a table rebuilds (true for all). -#}
{% macro in_queued_periods(periods, chain_column='chain', seq_column='period_seq') -%}
    {%- if periods is none -%}
    true
    {%- elif periods | length == 0 -%}
    false
    {%- else -%}
    ({{ chain_column }}, {{ seq_column }}) in (values
        {%- for row in periods %} ('{{ row[0] | replace("'", "''") }}'::text, {{ row[1] }}::bigint){% if not loop.last %},{% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook: the rows of the periods this build of the table rewrites are deleted (all, for every
    period). The periods are written into the delete as literals (macros/period_merge.sql,
    periods_literal), so the table's (chain, period_seq) index serves it whatever the planner
    settings: read from aurora_control.build_periods in a subquery, after fct_validator_pnl's
    `enable_nestloop = off`, the delete hash-joined every row of the mart (0.36-0.55 s at
    100,000 validators x 31 days, for a new day's period that held no row). -#}
{% macro delete_queued_periods() -%}
    {%- set recorded = recorded_periods_condition('target') if execute and is_incremental() else none -%}
    {%- if not is_incremental() or not execute -%}
    select 1
    {%- elif recorded is none -%}
    {#- '*': every period; also a table built before it had period_seq (int_pnl_gaps_listed): its columns are synced after -#}
    delete from {{ this }}
    {%- else -%}
    delete from {{ this }} as target
    where {{ recorded }}
    {%- endif -%}
{%- endmacro %}


{#- Post-hook: the queued periods the table took are rebuilt; it was built by the queue. Its
    deletes go through an index on the period (made here: a table built before was a plain table). -#}
{% macro consume_period_queue() -%}
    {%- set name = this.identifier | replace("'", "''") -%}
    do $aurora$
    begin
        {{ create_index_if_missing(this, ['chain', 'period_seq']) }}
    end
    $aurora$;
    delete from aurora_control.period_queue as q
    using aurora_control.period_queue_taken as t
    where t.invocation_id = '{{ invocation_id }}' and t.model = '{{ name }}' and q.model = t.model and q.id = any(t.ids);
    insert into aurora_control.period_queue_built (model) values ('{{ name }}') on conflict do nothing
{%- endmacro %}
