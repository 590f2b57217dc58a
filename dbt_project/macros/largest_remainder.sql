{#
  Split integer amounts (lamports, wei, micro-USD) between the rows of each partition in
  proportion to integer weights, exactly: the parts add up to the whole, no unit created or lost.

  Largest remainder (Hamilton's method): each row first gets floor(amount x weight / W), W the
  partition's total weight, computed with integer division (never through a rounded quotient, so
  a 25-digit wei amount stays exact); the units left over (fewer than the number of rows) go one
  each to the rows with the largest remainders, ties broken by `order_by`. Floor is toward minus
  infinity, so a negative amount (a day of Ethereum penalties) is split by the same rule.

  `relation` is a CTE or subquery whose rows carry the partition's whole `amount` (the same on
  every row of the partition) and a non-negative `weight`; partition_by and order_by name its
  columns, unqualified. W must be > 0. Adds the column `allocated` (numeric) to the relation's.
#}
{% macro largest_remainder(relation, partition_by, amount, weight, order_by) -%}
select
    lr_ranked.*,
    lr_ranked.lr_floor + case when lr_ranked.lr_rank <= lr_ranked.lr_leftover then 1 else 0 end as allocated
from (
    select
        lr_floors.*,
        lr_floors.{{ amount }} - sum(lr_floors.lr_floor) over (partition by {{ partition_by }}) as lr_leftover,
        row_number() over (partition by {{ partition_by }} order by lr_floors.lr_remainder desc, {{ order_by }}) as lr_rank
    from (
        select
            lr_exact.*,
            lr_exact.lr_quotient - case when lr_exact.lr_numerator - lr_exact.lr_quotient * lr_exact.lr_total < 0 then 1 else 0 end as lr_floor,
            lr_exact.lr_numerator - (lr_exact.lr_quotient - case when lr_exact.lr_numerator - lr_exact.lr_quotient * lr_exact.lr_total < 0 then 1 else 0 end) * lr_exact.lr_total as lr_remainder
        from (
            select
                lr_totals.*,
                div(lr_totals.lr_numerator, lr_totals.lr_total) as lr_quotient
            from (
                select
                    lr_source.*,
                    (lr_source.{{ amount }})::numeric * (lr_source.{{ weight }})::numeric as lr_numerator,
                    (sum(lr_source.{{ weight }}) over (partition by {{ partition_by }}))::numeric as lr_total
                from {{ relation }} as lr_source
            ) as lr_totals
        ) as lr_exact
    ) as lr_floors
) as lr_ranked
{%- endmacro %}
