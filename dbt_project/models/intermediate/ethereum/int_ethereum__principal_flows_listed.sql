-- Principal moves, never income, booked when the state moves them (wei, by slot):
-- - withdrawals (partial and full, and the payouts of EIP-7002 requests), in their block;
-- - deposits and top-ups: before Electra in the block that carries them; since Electra when the
--   pending deposit queue applies them (int_ethereum__deposits_applied: at the day's end state,
--   the first to show them applied), with the balance a switch to compounding queues
--   (excess_queued, negative) and the queue gives back (excess_applied);
-- - EIP-7251 consolidations when process_pending_consolidations moves them, at the first slot of
--   the epoch their transition starts: out of the source, into the target,
--   min(balance, effective_balance) of the source, its balance being the one before the
--   transition plus the rewards the transition credits first (ethereum/consensus-specs
--   specs/electra/beacon-chain.md). `position` is the withdrawal index, the other validator of a
--   consolidation, or the rank of a queue-applied deposit in its day.
with

-- Restricted to a build's periods (macros/build_period_restriction.sql): every row is its own
-- day's; the validator a deposit names is looked up by its pubkey in every state read.
days as (

    select * from {{ ref('int_ethereum__days_listed') }}
    where {{ in_build_periods('chain', 'period_seq') }}

),

-- before Electra, a deposit moved the balance in its own block
deposits as (

    select d.*
    from {{ ref('stg_ethereum__deposits') }} as d
    join days on days.chain = d.chain and d.slot between days.first_slot and days.last_slot
    where days.electra_fork_slot is null or d.slot < days.electra_fork_slot

),

states as (

    -- the validators of those deposits only
    select distinct s.chain, s.validator_index, s.pubkey
    from {{ ref('stg_ethereum__validator_states') }} as s
    where s.pubkey in (select pubkey from deposits)

),

starts as (

    -- the states at the listed days' starts only (an index scan on the slot)
    select s.chain, s.pubkey, d.day
    from {{ ref('stg_ethereum__validator_states') }} as s
    join days as d on d.chain = s.chain and s.state_slot = d.start_state_slot
    where s.state_slot = any(array(select start_state_slot from days))

),

consolidated as (

    select *, least(source_balance_wei + source_reward_wei, source_effective_balance_wei) as amount_wei
    from {{ ref('stg_ethereum__consolidations_processed') }}

),

events as (

    select w.chain, w.validator_index, w.slot, 'withdrawal' as kind, w.withdrawal_index as position,
           -w.amount_wei as amount_wei, false as is_queue_applied, w.load_id::numeric as load_id,
           null::text as pubkey
    from {{ ref('stg_ethereum__withdrawals') }} as w

    union all

    select d.chain, s.validator_index, d.slot, 'deposit', d.position, d.amount_wei, false, d.load_id::numeric, d.pubkey
    from deposits as d
    join states as s on s.chain = d.chain and s.pubkey = d.pubkey

    union all

    select a.chain, a.validator_index, a.slot, a.kind, a.position, a.amount_wei, true, a.load_id, null
    from {{ ref('int_ethereum__deposits_applied') }} as a

    union all

    select c.chain, c.source_index, c.slot, 'consolidation_out', c.target_index, -c.amount_wei, false, c.load_id::numeric, null
    from consolidated as c

    union all

    select c.chain, c.target_index, c.slot, 'consolidation_in', c.source_index, c.amount_wei, false, c.load_id::numeric, null
    from consolidated as c

)

select
    events.chain,
    events.validator_index,
    days.day,
    days.period_seq,
    events.slot,
    case
        when events.kind = 'deposit' and not events.is_queue_applied and starts.pubkey is not null then 'top_up'
        else events.kind
    end as kind,
    events.position,
    events.amount_wei,
    events.amount_wei is null as is_amount_missing,
    events.load_id

from events
join days on days.chain = events.chain and events.slot between days.first_slot and days.last_slot
-- a deposit to a validator the day's start state already holds is a top-up
left join starts on starts.chain = events.chain and starts.day = days.day and starts.pubkey = events.pubkey
