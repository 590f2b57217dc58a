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

),

-- The produced block nearest below each block (strictly, on the same chain) must not lie above its
-- parent: one sort, not a join of every block with every block (that grew with the square of
-- the history).
nearest as (

    select chain, slot, parent,
           max(slot) over (partition by chain order by slot range between unbounded preceding and 1 preceding) as below
    from produced

)

select chain, slot, parent, below as produced_in_between
from nearest
where below > parent
union all
select chain, slot, parent, null
from produced
where parent >= slot and slot > 0

{% endtest %}
