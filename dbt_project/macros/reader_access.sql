{#
  Read-only access for BI tools: see dbt_project.yml and docs/bi.md. Both macros do nothing unless
  AURORA_READER_ROLE names a role.
#}
{% macro reader_role() -%}
    {%- set role = env_var('AURORA_READER_ROLE', '') | trim -%}
    {%- if role and not modules.re.match('^[a-z_][a-z0-9_]{0,62}$', role) -%}
        {{ exceptions.raise_compiler_error("AURORA_READER_ROLE must be a lower-case role name (a-z, 0-9, _), got '" ~ role ~ "'") }}
    {%- endif -%}
    {{- return(role) -}}
{%- endmacro %}

{% macro reader_role_ensure() %}
    {%- set role = reader_role() -%}
    {%- if role and execute -%}
        do $$
        begin
            if not exists (select from pg_roles where rolname = {{ dbt.string_literal(role) }}) then
                create role {{ adapter.quote(role) }} nologin;
            end if;
        end
        $$
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}

{% macro reader_schema_usage() %}
    {%- set role = reader_role() -%}
    {%- if role and execute and target.name == 'default' -%}
        do $$
        declare s text;
        begin
            foreach s in array array['marts', 'registry'] loop
                if exists (select from pg_namespace where nspname = s) then
                    execute format('grant usage on schema %I to %I', s, {{ dbt.string_literal(role) }});
                end if;
            end loop;
        end
        $$
    {%- else -%}
        select 1
    {%- endif -%}
{% endmacro %}
