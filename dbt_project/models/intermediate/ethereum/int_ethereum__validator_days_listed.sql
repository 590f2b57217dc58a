-- The Ethereum P&L grid: every expected UTC day (int_ethereum__days_expected) with, when the day's
-- bounding states were read, every tracked validator present in either of them; when they were
-- not (a node that no longer serves them, a load that failed, a scheduled day not loaded yet),
-- every tracked (network-wide: every known) validator already active by the day's last epoch,
-- as the latest state read says.
with

days as (

    select chain, day, period_seq, coalesce(start_state_slot, -1) as start_state_slot,
           coalesce(end_state_slot, -1) as end_state_slot, last_epoch
    from {{ ref('int_ethereum__days_expected') }}
    where {{ in_build_periods('chain', 'period_seq') }}

),

states as (

    select * from {{ ref('stg_ethereum__validator_states') }}

),

in_states as (

    select distinct days.chain, states.validator_index, days.day, days.period_seq
    from days
    join {{ ref('stg_ethereum__validator_states') }} as states
        on states.chain = days.chain
        and states.state_slot in (days.start_state_slot, days.end_state_slot)
    -- the listed days' slots only: an index scan when the days are a build's few
    where states.state_slot = any(array(select start_state_slot from days union select end_state_slot from days))

),

days_without_states as (

    select * from days
    where not exists (
        select 1 from in_states where in_states.chain = days.chain and in_states.period_seq = days.period_seq
    )

),

latest as (

    -- Read only when a listed day has no states at all (the condition is evaluated once): a
    -- build of days whose states were read reads no other day's states.
    select distinct on (chain, validator_index) chain, validator_index, activation_epoch
    from states
    where exists (select 1 from days_without_states)
    order by chain, validator_index, state_slot desc

),

without_states as (

    select days.chain, latest.validator_index, days.day, days.period_seq
    from days_without_states as days
    join latest on latest.chain = days.chain and latest.activation_epoch <= days.last_epoch

)

select chain, validator_index, day, period_seq from in_states
union all
select chain, validator_index, day, period_seq from without_states
