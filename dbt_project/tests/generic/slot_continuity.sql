{#
  Chain data has holes: a produced block's parent must be an earlier slot, and between a block and
  its parent every slot was skipped. Within the loaded blocks, a block whose parent slot is also
  loaded must not skip over another loaded produced block (which would mean a fork or a bad row).
#}
{% test slot_continuity(model, slot_column, parent_column) %}

with produced as (

    select chain, {{ slot_column }} as slot, {{ parent_column }} as parent
    from {{ model }}
    where {{ parent_column }} is not null

)

select child.chain, child.slot, child.parent, between_.slot as produced_in_between
from produced as child
join produced as between_
    on between_.chain = child.chain
    and between_.slot > child.parent
    and between_.slot < child.slot
union all
select chain, slot, parent, null
from produced
where parent >= slot and slot > 0

{% endtest %}
