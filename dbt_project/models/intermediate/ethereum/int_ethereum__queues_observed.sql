-- Whether each day's Electra queues are known at its two bounding states: read from the node
-- (a queue_snapshots row, even for an empty queue), or not there at all because the state
-- predates the Electra fork (no fork scheduled, or the state's slot is before the fork's first
-- slot: upgrade_to_electra runs at the transition into the fork epoch). A queue the node did not
-- serve leaves the day's principal unknown: the reconciliation is not checkable, never guessed.
with

days as (

    select * from {{ ref('int_ethereum__days_listed') }}

),

snapshots as (

    select chain, state_slot, queue from {{ ref('stg_ethereum__queue_snapshots') }}

),

states as (

    select days.chain, days.day, days.period_seq, 'start' as bound, days.start_state_slot as state_slot, days.electra_fork_slot
    from days
    union all
    select days.chain, days.day, days.period_seq, 'end', days.end_state_slot, days.electra_fork_slot
    from days

),

known as (

    select
        states.chain, states.day, states.period_seq, states.bound, states.state_slot,
        states.electra_fork_slot is null or states.state_slot < states.electra_fork_slot as is_pre_electra,
        bool_or(snapshots.queue = 'pending_deposits') as has_deposits,
        bool_or(snapshots.queue = 'pending_consolidations') as has_consolidations,
        bool_or(snapshots.queue = 'pending_partial_withdrawals') as has_partial_withdrawals
    from states
    left join snapshots on snapshots.chain = states.chain and snapshots.state_slot = states.state_slot
    group by 1, 2, 3, 4, 5, 6

)

select
    chain,
    day,
    period_seq,
    bool_and(is_pre_electra or coalesce(has_deposits, false)) as is_deposit_queue_known,
    bool_and(is_pre_electra or coalesce(has_consolidations, false)) as is_consolidation_queue_known,
    bool_and(is_pre_electra or coalesce(has_deposits and has_consolidations and has_partial_withdrawals, false))
        filter (where bound = 'end') as is_end_queue_known,
    bool_or(not is_pre_electra) filter (where bound = 'end') as is_electra

from known
group by chain, day, period_seq
