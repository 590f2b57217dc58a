{#
  Upgrade of snapshots.validator_commissions from a release that kept the inflation commission in
  percent (`commission_pct`): add `commission_bps` and fill it with the percent x 100 before the
  snapshot compares, so the upgrade opens no new version and closes none. Runs as the snapshot's
  pre-hook; does nothing on a new warehouse or an already upgraded one.
#}
{% macro commission_history_in_bps() %}
    {%- if execute -%}
        {%- set relation = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
        {%- if relation is not none -%}
            {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
            {%- if 'commission_pct' in columns and 'commission_bps' not in columns -%}
                alter table {{ relation }} add column commission_bps integer;
                update {{ relation }} set commission_bps = (commission_pct * 100)::integer;
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
