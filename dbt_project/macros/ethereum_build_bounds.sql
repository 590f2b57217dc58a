{#
  The slot and block-number range of the Ethereum days the model being compiled rebuilds, for
  a model that reads raw rows by slot or block number (int_ethereum__proposals_classified,
  int_ethereum__block_rewards_summed).
  Called after the model's lookback_periods(), which recorded its periods in
  aurora_control.build_periods; read when it compiles, just before it runs, so the ranges are
  literals in its SQL and the planner estimates the rows they select from the tables' statistics.

  Returns none when the model rebuilds every period (a first build, --full-refresh, healing, the
  fallback rule: a '*' row) or the record is missing (a unit test, a project without
  aurora_control): the model reads everything then. Otherwise a dict of first_slot, last_slot,
  first_block, last_block: the days' slots (min to max over the periods, so a gap between two
  rebuilt days is read too, never a day missed), and the block numbers of the beacon blocks in
  those slots (without `beacon_blocks`, for a model reading by slot only: no block numbers, and
  the block range stays empty). An empty range (0 to -1) when there is nothing to read.
#}
{% macro ethereum_build_bounds(day_windows, beacon_blocks=none) %}
    {%- if not execute or model.resource_type != 'model'
          or not run_query("select to_regclass('aurora_control.build_periods') is not null").columns[0].values()[0] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set key = (this.schema ~ '.' ~ this.identifier) | replace("'", "''") -%}
    {%- if beacon_blocks is none -%}
        {%- set blocks_sql = "select null::bigint as first_block, null::bigint as last_block" -%}
    {%- else -%}
        {%- set blocks_sql = "select min(b.block_number)::bigint as first_block, max(b.block_number)::bigint as last_block
            from " ~ beacon_blocks ~ " as b
            where b.slot between slots.first_slot and slots.last_slot" -%}
    {%- endif -%}
    {%- set found = run_query("
        with recorded as (
            select chain, period_seq from aurora_control.build_periods
            where invocation_id = '" ~ invocation_id ~ "' and model = '" ~ key ~ "'
        ),
        slots as (
            select min(w.first_slot)::bigint as first_slot, max(w.last_slot)::bigint as last_slot
            from " ~ day_windows ~ " as w
            join recorded on recorded.chain = w.chain and recorded.period_seq = w.period_seq::bigint
        )
        select (select count(*) from recorded where chain = '*') as everything,
               slots.first_slot, slots.last_slot, blocks.first_block, blocks.last_block
        from slots
        cross join lateral (" ~ blocks_sql ~ ") as blocks") -%}
    {%- set row = found.rows[0] -%}
    {%- if row[0] > 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set bounds = {'first_slot': 0, 'last_slot': -1, 'first_block': 0, 'last_block': -1} -%}
    {%- if row[1] is not none -%}
        {%- do bounds.update({'first_slot': row[1] | int, 'last_slot': row[2] | int}) -%}
    {%- endif -%}
    {%- if row[3] is not none -%}
        {%- do bounds.update({'first_block': row[3] | int, 'last_block': row[4] | int}) -%}
    {%- endif -%}
    {{ return(bounds) }}
{% endmacro %}
