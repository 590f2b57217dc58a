-- The Ethereum P&L grid: every tracked validator that exists at either state bounding a loaded day.
select distinct
    days.chain,
    states.validator_index,
    days.day,
    days.period_seq

from {{ ref('int_ethereum__days_listed') }} as days
join {{ ref('stg_ethereum__validator_states') }} as states
    on states.chain = days.chain
    and states.state_slot in (days.start_state_slot, days.end_state_slot)
