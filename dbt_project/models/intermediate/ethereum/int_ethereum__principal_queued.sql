-- Principal waiting in Electra's queues at each day's end state, per validator (wei): shown
-- beside the balance, never booked until the state moves it.
-- - deposits: pending_deposits entries for the validator's pubkey. A pubkey with no validator yet
--   in that state (its first deposit is still queued) has a row keyed by the pubkey;
-- - withdrawals: pending partial withdrawals (EIP-7002 requests not yet paid), what
--   get_pending_balance_to_withdraw sums;
-- - consolidations, out of the source and into the target: the source's min(balance,
--   effective_balance) in that state, what process_pending_consolidations would move then (the
--   amount that moves is booked when it does).
-- `is_known`: the three queues were read at the end state, or it predates Electra (no queues).
with

days as (

    select * from {{ ref('int_ethereum__days_listed') }}
    where {{ in_build_periods('chain', 'period_seq') }}

),

grid as (

    select * from {{ ref('int_ethereum__validator_days_listed') }}

),

queued_deposits as (

    select q.*, days.day
    from {{ ref('stg_ethereum__pending_deposits') }} as q
    join days on days.chain = q.chain and q.state_slot = days.end_state_slot

),

known as (

    -- The validator of each queued pubkey and the first state read that lists it. Only the
    -- queued pubkeys are kept before the grouping: one over every state of every day (a million
    -- validators a day, network-wide) grew with the history, for the few thousand pubkeys a
    -- queue holds.
    select s.chain, s.pubkey, s.validator_index, min(s.state_slot) as first_state_slot
    from {{ ref('stg_ethereum__validator_states') }} as s
    where (s.chain, s.pubkey) in (select chain, pubkey from queued_deposits)
    group by 1, 2, 3

),

deposits as (

    -- Keyed by the validator only where it exists in that day's end state (a state at or before
    -- it lists the pubkey): a later state that creates it does not rewrite an earlier day, which
    -- a rebuild of that day alone could not see (and a final day is not rebuilt without a load
    -- of its own: macros/lookback_periods.sql).
    select q.chain, q.day, coalesce(k.validator_index::text, q.pubkey) as validator_key,
           sum(q.amount_wei) as amount_wei, count(*) as entries, max(q.load_id::numeric) as load_id
    from queued_deposits as q
    left join known as k on k.chain = q.chain and k.pubkey = q.pubkey and k.first_state_slot <= q.state_slot
    group by 1, 2, 3

),

withdrawals as (

    select w.chain, days.day, w.validator_index::text as validator_key,
           sum(w.amount_wei) as amount_wei, max(w.load_id::numeric) as load_id
    from {{ ref('stg_ethereum__pending_partial_withdrawals') }} as w
    join days on days.chain = w.chain and w.state_slot = days.end_state_slot
    group by 1, 2, 3

),

consolidations as (

    select c.chain, days.day, c.source_index, c.target_index,
           least(c.source_balance_wei, c.source_effective_balance_wei) as amount_wei, c.load_id::numeric as load_id
    from {{ ref('stg_ethereum__pending_consolidations') }} as c
    join days on days.chain = c.chain and c.state_slot = days.end_state_slot

),

moves as (

    select chain, day, source_index::text as validator_key, sum(amount_wei) as out_wei, 0::numeric as in_wei,
           count(*) as entries, max(load_id) as load_id
    from consolidations group by 1, 2, 3
    union all
    select chain, day, target_index::text, 0, sum(amount_wei), count(*), max(load_id)
    from consolidations group by 1, 2, 3

),

moved as (

    select chain, day, validator_key, sum(out_wei) as out_wei, sum(in_wei) as in_wei, sum(entries) as entries,
           max(load_id) as load_id
    from moves group by 1, 2, 3

),

keys as (

    select chain, day, validator_index::text as validator_key from grid
    union
    select chain, day, validator_key from deposits

)

select
    keys.chain,
    keys.validator_key,
    keys.day,
    days.period_seq,
    days.end_state_slot as state_slot,
    coalesce(deposits.amount_wei, 0) as deposits_queued_wei,
    coalesce(deposits.entries, 0) as deposits_queued,
    coalesce(withdrawals.amount_wei, 0) as withdrawals_queued_wei,
    coalesce(moved.out_wei, 0) as consolidation_out_queued_wei,
    coalesce(moved.in_wei, 0) as consolidation_in_queued_wei,
    coalesce(moved.entries, 0) as consolidations_queued,
    coalesce(queues.is_end_queue_known, false) as is_known,
    greatest(deposits.load_id, withdrawals.load_id, moved.load_id, days.load_id) as load_id

from keys
join days on days.chain = keys.chain and days.day = keys.day
left join {{ ref('int_ethereum__queues_observed') }} as queues on queues.chain = keys.chain and queues.day = keys.day
left join deposits on deposits.chain = keys.chain and deposits.day = keys.day and deposits.validator_key = keys.validator_key
left join withdrawals on withdrawals.chain = keys.chain and withdrawals.day = keys.day and withdrawals.validator_key = keys.validator_key
left join moved on moved.chain = keys.chain and moved.day = keys.day and moved.validator_key = keys.validator_key
