{#- Every node the given nodes read, directly or not (unique ids, as a dict's keys). -#}
{% macro upstream_nodes(unique_ids) %}
    {#- dicts, not lists: a membership test in a list made this cost seconds per model -#}
    {%- set seen = {} -%}
    {%- set frontier = [] + unique_ids -%}
    {#- breadth first, a level per round: the project's DAG is far shallower than 50 -#}
    {%- for round in range(50) if frontier -%}
        {%- set parents = {} -%}
        {%- for uid in frontier -%}
            {%- for parent in (graph.nodes.get(uid) or {}).get('depends_on', {}).get('nodes', []) if parent not in seen -%}
                {%- do parents.update({parent: true}) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- do seen.update(parents) -%}
        {%- do frontier.clear() -%}
        {%- do frontier.extend(parents.keys()) -%}
    {%- endfor -%}
    {{ return(seen) }}
{% endmacro %}
