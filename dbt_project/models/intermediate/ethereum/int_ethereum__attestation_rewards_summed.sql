-- Attestation rewards per validator and day. Income takes the day's own epochs; the balance
-- reconciliation takes epochs two earlier, because the rewards of epoch e are credited at the
-- transition into e+2 (process_rewards_and_penalties credits the previous epoch). Penalties are
-- the negative components, shown as a positive amount.
-- Network-wide at day grain the loader landed these sums per validator and day
-- (stg_ethereum__attestation_rewards_daily, the same sums over the same epochs); they count when
-- the day's latest load wrote them (every load of a day writes its day_windows row: days.load_id),
-- and a validator-day that has them takes them instead of its epoch rows.
with

days as (

    select * from {{ ref('int_ethereum__days_listed') }}
    where {{ in_build_periods('chain', 'period_seq') }}

),

daily as (

    select
        days.chain,
        d.validator_index,
        days.day,
        days.period_seq,
        d.head_wei + d.target_wei + d.source_wei + d.inclusion_delay_wei + d.inactivity_wei as attestation_wei,
        d.head_wei,
        d.target_wei,
        d.source_wei,
        d.inclusion_delay_wei,
        d.inactivity_wei,
        d.penalties_wei,
        d.credited_in_day_wei,
        d.load_id::numeric as load_id
    from days
    join {{ ref('stg_ethereum__attestation_rewards_daily') }} as d
        on d.chain = days.chain and d.day = days.day and d.load_id::numeric = days.load_id
    -- Only the listed days' loads are read (an index scan on the raw table's load ids, not every
    -- day's rows): the join keeps no other. A load id's text is its numeric value's (dlt writes a
    -- plain decimal, which numeric keeps digit for digit).
    where d.load_id = any(array(select days.load_id::text from days))

),

rewards as (

    select
        *,
        head_wei + target_wei + source_wei + inclusion_delay_wei + inactivity_wei as net_wei,
        least(head_wei, 0) + least(target_wei, 0) + least(source_wei, 0)
            + least(inclusion_delay_wei, 0) + least(inactivity_wei, 0) as negative_wei
    from {{ ref('stg_ethereum__attestation_rewards') }}

),

epoch_summed as (

    select
        days.chain,
        rewards.validator_index,
        days.day,
        days.period_seq,
        coalesce(sum(rewards.net_wei) filter (where rewards.epoch between days.first_epoch and days.last_epoch), 0) as attestation_wei,
        coalesce(sum(rewards.head_wei) filter (where rewards.epoch between days.first_epoch and days.last_epoch), 0) as head_wei,
        coalesce(sum(rewards.target_wei) filter (where rewards.epoch between days.first_epoch and days.last_epoch), 0) as target_wei,
        coalesce(sum(rewards.source_wei) filter (where rewards.epoch between days.first_epoch and days.last_epoch), 0) as source_wei,
        coalesce(sum(rewards.inclusion_delay_wei) filter (where rewards.epoch between days.first_epoch and days.last_epoch), 0) as inclusion_delay_wei,
        coalesce(sum(rewards.inactivity_wei) filter (where rewards.epoch between days.first_epoch and days.last_epoch), 0) as inactivity_wei,
        -coalesce(sum(rewards.negative_wei) filter (where rewards.epoch between days.first_epoch and days.last_epoch), 0) as penalties_wei,
        coalesce(sum(rewards.net_wei) filter (where rewards.epoch between days.first_epoch - 2 and days.last_epoch - 2), 0) as credited_in_day_wei,
        max(rewards.load_id::numeric) as load_id

    from days
    join rewards
        on rewards.chain = days.chain
        and rewards.epoch between days.first_epoch - 2 and days.last_epoch
    group by days.chain, rewards.validator_index, days.day, days.period_seq

)

select * from daily

union all

select * from epoch_summed
where not exists (
    select 1 from daily
    where daily.chain = epoch_summed.chain and daily.validator_index = epoch_summed.validator_index and daily.day = epoch_summed.day
)
