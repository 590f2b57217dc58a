-- Principal moves, never income: deposits (a new validator) and top-ups, withdrawals (partial
-- and full), and EIP-7251 consolidations (out of the source, into the target), in wei, by slot.
with

days as (

    select * from {{ ref('int_ethereum__days_listed') }}

),

states as (

    select distinct chain, validator_index, pubkey from {{ ref('stg_ethereum__validator_states') }}

),

starts as (

    select s.chain, s.pubkey, d.day
    from {{ ref('stg_ethereum__validator_states') }} as s
    join days as d on d.chain = s.chain and s.state_slot = d.start_state_slot

),

events as (

    select w.chain, w.validator_index, w.slot, 'withdrawal' as kind, w.withdrawal_index as position,
           -w.amount_wei as amount_wei, w.load_id::numeric as load_id
    from {{ ref('stg_ethereum__withdrawals') }} as w

    union all

    select d.chain, s.validator_index, d.slot, 'deposit', d.position, d.amount_wei, d.load_id::numeric
    from {{ ref('stg_ethereum__deposits') }} as d
    join states as s on s.chain = d.chain and s.pubkey = d.pubkey

    union all

    select c.chain, c.source_index, c.slot, 'consolidation_out', c.position, -c.amount_wei, c.load_id::numeric
    from {{ ref('stg_ethereum__consolidations') }} as c
    where c.source_index is not null

    union all

    select c.chain, c.target_index, c.slot, 'consolidation_in', c.position, c.amount_wei, c.load_id::numeric
    from {{ ref('stg_ethereum__consolidations') }} as c
    where c.target_index is not null

)

select
    events.chain,
    events.validator_index,
    days.day,
    days.period_seq,
    events.slot,
    case
        when events.kind = 'deposit' and starts.pubkey is not null then 'top_up'
        else events.kind
    end as kind,
    events.position,
    events.amount_wei,
    events.amount_wei is null as is_amount_missing,
    events.load_id

from events
join days on days.chain = events.chain and events.slot between days.first_slot and days.last_slot
left join states on states.chain = events.chain and states.validator_index = events.validator_index
left join starts on starts.chain = events.chain and starts.day = days.day and starts.pubkey = states.pubkey and events.kind = 'deposit'
