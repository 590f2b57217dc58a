-- What each Ethereum validator looked like in a day: its state at the day's end, its proposal
-- duties and the blocks it produced or missed.
with

grid as (

    select * from {{ ref('int_ethereum__validator_days_listed') }}

),

days as (

    select * from {{ ref('int_ethereum__days_listed') }}
    where {{ in_build_periods('chain', 'period_seq') }}

),

start_states as (

    {{ states_at('start_state_slot') }}

),

end_states as (

    {{ states_at('end_state_slot') }}

),

duties as (

    select * from {{ ref('int_ethereum__proposer_duties_summed') }}

)

select
    grid.chain,
    grid.validator_index,
    grid.day,
    grid.period_seq,
    coalesce(end_state.pubkey, start_state.pubkey) as pubkey,
    coalesce(end_state.withdrawal_credentials, start_state.withdrawal_credentials) as withdrawal_credentials,
    coalesce(end_state.status, start_state.status) as status,
    coalesce(end_state.is_slashed, start_state.is_slashed) as is_slashed,
    end_state.balance_wei as balance_end_wei,
    coalesce(end_state.effective_balance_wei, start_state.effective_balance_wei) as effective_balance_wei,
    coalesce(duties.proposals_due, 0) as proposals_due,
    coalesce(duties.blocks_produced, 0) as blocks_produced,
    coalesce(duties.proposals_missed, 0) as proposals_missed,
    greatest(end_state.load_id::numeric, start_state.load_id::numeric, duties.load_id) as load_id

from grid
join days on days.chain = grid.chain and days.day = grid.day
left join end_states as end_state
    on end_state.chain = grid.chain and end_state.validator_index = grid.validator_index and end_state.state_slot = days.end_state_slot
left join start_states as start_state
    on start_state.chain = grid.chain and start_state.validator_index = grid.validator_index and start_state.state_slot = days.start_state_slot
left join duties on duties.chain = grid.chain and duties.validator_index = grid.validator_index and duties.day = grid.day
