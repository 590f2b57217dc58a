{# Per group, the weights add up to exactly `total` (a split by them then loses nothing). #}
{% test weights_sum_to(model, group_by, weight, total) %}

select
    {{ group_by | join(', ') }},
    sum({{ weight }}) as total_weight
from {{ model }}
group by {{ group_by | join(', ') }}
having sum({{ weight }}) <> {{ total }}

{% endtest %}
