-- Deposits the pending deposit queue applied in each day, and principal moved into it (Electra).
-- Since Electra a deposit request only appends to state.pending_deposits (process_deposit_request,
-- slot = the block's slot), a deposit-contract deposit too (apply_deposit, slot 0), and
-- process_pending_deposits applies them at epoch transitions, once finalized and within the churn
-- (ethereum/consensus-specs specs/electra/beacon-chain.md). The states bounding the day show the
-- queue before and after; an entry (pubkey, amount, slot, origin) counts +1 in the start state,
-- +1 when one of the day's blocks adds it, -1 in the end state:
--   > 0  it left the queue in the day: applied (a deposit that creates the validator, a top-up, or
--        `excess_applied`, balance that queue_excess_active_balance had queued);
--   < 0  it joined from outside the day's blocks: `excess_queued` when its origin is the validator's
--        own balance (queue_excess_active_balance on a switch to compounding, or the Electra
--        upgrade's), the balance leaving for the queue; otherwise a block of the day was not
--        loaded: the amount is unknown (flagged, never guessed).
-- A postponed deposit (its validator is exiting) stays queued: it counts 0.
with

-- Restricted to a build's periods (macros/build_period_restriction.sql): each day's rows come from
-- its own states and blocks; a queue entry's validator is looked up in every state read.
days as (

    select * from {{ ref('int_ethereum__days_listed') }}
    where {{ in_build_periods('chain', 'period_seq') }}

),

queue as (

    select * from {{ ref('stg_ethereum__pending_deposits') }}

),

added as (

    select
        d.chain, days.day, d.pubkey, d.amount_wei,
        case when d.deposit_source = 'execution_request' then d.slot else 0 end as entry_slot,
        case when d.deposit_source = 'execution_request' then 'request' else 'bridge' end as origin,
        d.load_id::numeric as load_id
    from {{ ref('stg_ethereum__deposits') }} as d
    join days on days.chain = d.chain and d.slot between days.first_slot and days.last_slot
    where days.electra_fork_slot is not null and d.slot >= days.electra_fork_slot

),

entries as (

    select q.chain, days.day, q.pubkey, q.amount_wei, q.entry_slot, q.origin, 1 as n, q.load_id::numeric as load_id
    from queue as q
    join days on days.chain = q.chain and q.state_slot = days.start_state_slot
    where q.state_slot = any(array(select start_state_slot from days))

    union all

    select chain, day, pubkey, amount_wei, entry_slot, origin, 1, load_id
    from added

    union all

    select q.chain, days.day, q.pubkey, q.amount_wei, q.entry_slot, q.origin, -1, q.load_id::numeric
    from queue as q
    join days on days.chain = q.chain and q.state_slot = days.end_state_slot
    where q.state_slot = any(array(select end_state_slot from days))

),

netted as (

    select chain, day, pubkey, amount_wei, entry_slot, origin, sum(n) as applied, max(load_id) as load_id
    from entries
    group by chain, day, pubkey, amount_wei, entry_slot, origin
    having sum(n) <> 0

),

known as (

    -- the validators of those entries only
    select distinct chain, pubkey, validator_index from {{ ref('stg_ethereum__validator_states') }}
    where pubkey in (select pubkey from netted)

),

starts as (

    -- the states at the listed days' starts only (an index scan on the slot)
    select s.chain, s.pubkey, d.day
    from {{ ref('stg_ethereum__validator_states') }} as s
    join days as d on d.chain = s.chain and s.state_slot = d.start_state_slot
    where s.state_slot = any(array(select start_state_slot from days))

)

select
    n.chain,
    k.validator_index,
    n.day,
    days.period_seq,
    days.end_state_slot as slot,
    case
        when n.origin = 'balance' and n.applied > 0 then 'excess_applied'
        when n.origin = 'balance' then 'excess_queued'
        when starts.pubkey is not null then 'top_up'
        else 'deposit'
    end as kind,
    row_number() over (partition by n.chain, k.validator_index, n.day order by n.entry_slot, n.amount_wei, n.origin) as position,
    n.origin,
    n.entry_slot,
    case when n.applied > 0 or n.origin = 'balance' then n.amount_wei * n.applied end as amount_wei,
    n.applied < 0 and n.origin <> 'balance' as is_amount_missing,
    n.load_id

from netted as n
join days on days.chain = n.chain and days.day = n.day
join known as k on k.chain = n.chain and k.pubkey = n.pubkey
left join starts on starts.chain = n.chain and starts.day = n.day and starts.pubkey = n.pubkey
