{#
  The books' clock: where a P&L row's period lies in time, and the UTC days it overlaps.
  int_books__validator_days_apportioned cuts each validator's row by these days, and
  int_books__chain_period_days each period of the chain: both see the same days.
#}

{#- The period's start and end as `piece_from` and `piece_to`: the times of its first and last
    blocks (`pnl`'s period_start and period_end), or, unknown, the chain's nominal clock (genesis +
    epoch x slots_per_epoch x slot_seconds, from `chains`). -#}
{% macro books_period_bounds(pnl, chains) -%}
        coalesce(
            {{ pnl }}.period_start,
            {{ chains }}.genesis_time + ({{ pnl }}.period_seq * {{ chains }}.slots_per_epoch * {{ chains }}.slot_seconds)::float8 * interval '1 second'
        ) as piece_from,
        coalesce(
            {{ pnl }}.period_end,
            {{ chains }}.genesis_time + (({{ pnl }}.period_seq + 1) * {{ chains }}.slots_per_epoch * {{ chains }}.slot_seconds)::float8 * interval '1 second'
        ) as piece_to
{%- endmacro %}


{#- Each row of `rows` (which has piece_from and piece_to) once per UTC day it overlaps, with
    `is_one_day` (one UTC day holds the whole period), `day`, and `day_weight`: the microseconds of
    the period in that day, 1 for an instant period (first block = last block). A day the period
    touches for no measurable time (it starts at midnight) weighs 0: the callers drop it. -#}
{% macro books_period_days(rows) -%}
    select
        period_rows.*,
        -- One UTC day holds the whole period (every Ethereum day; a Solana epoch that does not
        -- cross midnight, or an instant one).
        ((period_rows.piece_to - interval '1 microsecond') at time zone 'UTC')::date
            <= (period_rows.piece_from at time zone 'UTC')::date as is_one_day,
        days_since.day,
        case
            when period_rows.piece_to <= period_rows.piece_from then 1::numeric
            else round(extract(epoch from (
                least(period_rows.piece_to, (days_since.day + 1)::timestamp at time zone 'UTC')
                - greatest(period_rows.piece_from, days_since.day::timestamp at time zone 'UTC')
            ))::numeric * 1000000)
        end as day_weight

    from {{ rows }} as period_rows
    -- Dates as integers: generate_series over dates would go through timestamptz and the
    -- session's time zone.
    cross join lateral (
        select (period_rows.piece_from at time zone 'UTC')::date + n as day
        from generate_series(
            0,
            greatest(0, ((period_rows.piece_to - interval '1 microsecond') at time zone 'UTC')::date
                - (period_rows.piece_from at time zone 'UTC')::date)
        ) as n
    ) as days_since
{%- endmacro %}
