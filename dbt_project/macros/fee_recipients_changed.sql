{#
  The operators' Ethereum fee recipients (operators.yaml) decide how every proposal is classified
  (int_ethereum__proposals_classified: built locally, relayed, paying an unexpected recipient), on
  every day, not only on new ones, and no load names a day when they change. So each incremental
  model that reads them, directly or not, keeps the digest of the list its last successful build
  read (`aurora_control.build_inputs_seen`: written as pending when it compiles, moved by its
  post-hook `record_build_loads` in its own transaction, as the loads it read); when the list
  differs, the model rebuilds every period, as `--heal` would, and the P&L tables follow (a
  canonical model that rebuilt everything queues every period: macros/period_queue.sql). A model
  without a digest yet (built by an older Aurora) records the list it reads and rebuilds what it
  would have.
#}
{% macro fee_recipients_changed() %}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set watched = 'model.' ~ project_name ~ '.operator_fee_recipients' -%}
    {%- set node = graph.nodes.get(watched) -%}
    {%- if node is none or watched not in upstream_nodes([model.unique_id]) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if not run_query("select to_regclass('aurora_control.build_inputs_pending') is not null").columns[0].values()[0] -%}
        {#- a command that ran no on-run-start (dbt compile): nothing to compare -#}
        {{ return(false) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- if relation is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set key = (this.schema ~ '.' ~ this.identifier) | replace("'", "''") -%}
    {%- set digest = run_query("select md5(coalesce(string_agg(r, '|' order by r), ''))
        from (select row(chain, operator, address)::text as r from " ~ relation ~ ") as recipients").columns[0].values()[0] -%}
    {%- do run_query("insert into aurora_control.build_inputs_pending (model, input, digest) values ('" ~ key ~ "', 'fee_recipients', '" ~ digest ~ "')
        on conflict (model, input) do update set digest = excluded.digest") -%}
    {%- set seen = run_query("select digest from aurora_control.build_inputs_seen where model = '" ~ key ~ "' and input = 'fee_recipients'").columns[0].values() -%}
    {{ return(seen | length > 0 and seen[0] != digest) }}
{% endmacro %}
