-- The balance check per validator and day:
--   balance_end - balance_start + withdrawals - deposits - consolidated_in + consolidated_out
-- must equal the rewards credited in the day: attestation rewards of epochs a-2..b-2 (credited at
-- the transition into e+2) plus the proposer and sync rewards of the day's blocks. The states are
-- those at the last slots of epochs a-1 and b. Principal counts when the state moved it (see
-- int_ethereum__principal_flows_listed): `deposits` is what the deposit queue moved into the
-- balance, net of balance a switch to compounding moved into the queue. A residual (a slashing
-- penalty, missing data) is reported as an exception, never booked as income. Since Electra a day
-- is checkable only when both states' deposit and consolidation queues are known.
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

flows as (

    select
        chain, validator_index, day,
        coalesce(sum(amount_wei) filter (where kind in ('deposit', 'top_up', 'excess_applied', 'excess_queued')), 0) as deposits_wei,
        coalesce(-sum(amount_wei) filter (where kind = 'withdrawal'), 0) as withdrawals_wei,
        coalesce(sum(amount_wei) filter (where kind = 'consolidation_in'), 0) as consolidated_in_wei,
        coalesce(-sum(amount_wei) filter (where kind = 'consolidation_out'), 0) as consolidated_out_wei,
        bool_or(is_amount_missing) as has_missing_amount,
        max(load_id) as load_id
    from {{ ref('int_ethereum__principal_flows_listed') }}
    group by chain, validator_index, day

),

-- Both sums are left joined per validator and day below: materialized, each is computed once,
-- where the planner (expecting one row where there are thousands) would recompute it for every
-- validator-day in a nested loop. The attestation sums are a view over all history (restricted
-- to the listed days as this view is); the block rewards a table of every day, read for the
-- listed days.
attestations as materialized (

    select * from {{ ref('int_ethereum__attestation_rewards_summed') }}

),

blocks as materialized (

    select k.* from {{ ref('int_ethereum__block_rewards_summed') }} as k
    join days on days.chain = k.chain and days.day = k.day

),

window_coverage as (

    -- Every epoch of the reconciliation window has rewards loaded (for any validator).
    select days.chain, days.day,
           count(distinct r.epoch) = days.last_epoch - days.first_epoch + 1 - greatest(2 - days.first_epoch, 0) as is_covered
    from days
    left join (select distinct chain, epoch from {{ ref('stg_ethereum__attestation_rewards') }}
               union  -- day grain: the epochs answered, summed into the day's totals
               select chain, epoch from {{ ref('stg_ethereum__attestation_rewards_daily_batches') }} where entries > 0) as r
        on r.chain = days.chain and r.epoch between days.first_epoch - 2 and days.last_epoch - 2
    group by days.chain, days.day, days.first_epoch, days.last_epoch

),

queues as (

    select * from {{ ref('int_ethereum__queues_observed') }}

),

slashed as (

    select distinct s.chain, s.validator_index, days.day
    from {{ ref('stg_ethereum__slashings') }} as s
    join days on days.chain = s.chain and s.slot between days.first_slot and days.last_slot

),

checked as (

    select
        grid.chain,
        grid.validator_index,
        grid.day,
        grid.period_seq,
        start_state.validator_index is not null as has_start_state,
        end_state.validator_index is not null as has_end_state,
        coalesce(start_state.balance_wei, 0) as balance_start_wei,
        coalesce(end_state.balance_wei, 0) as balance_end_wei,
        coalesce(flows.deposits_wei, 0) as deposits_wei,
        coalesce(flows.withdrawals_wei, 0) as withdrawals_wei,
        coalesce(flows.consolidated_in_wei, 0) as consolidated_in_wei,
        coalesce(flows.consolidated_out_wei, 0) as consolidated_out_wei,
        coalesce(attestations.credited_in_day_wei, 0) + coalesce(blocks.proposer_wei, 0) + coalesce(blocks.sync_wei, 0) as rewards_credited_wei,
        coalesce(flows.has_missing_amount, false) as has_missing_amount,
        window_coverage.is_covered and coalesce(queues.is_deposit_queue_known and queues.is_consolidation_queue_known, false)
            as is_covered,
        slashed.validator_index is not null
            or (coalesce(end_state.is_slashed, false) and not coalesce(start_state.is_slashed, false)) as is_slashed_in_day,
        greatest(attestations.load_id, blocks.load_id, flows.load_id, start_state.load_id::numeric, end_state.load_id::numeric) as load_id

    from grid
    join days on days.chain = grid.chain and days.day = grid.day
    left join start_states as start_state
        on start_state.chain = grid.chain and start_state.validator_index = grid.validator_index and start_state.state_slot = days.start_state_slot
    left join end_states as end_state
        on end_state.chain = grid.chain and end_state.validator_index = grid.validator_index and end_state.state_slot = days.end_state_slot
    left join flows on flows.chain = grid.chain and flows.validator_index = grid.validator_index and flows.day = grid.day
    left join attestations on attestations.chain = grid.chain and attestations.validator_index = grid.validator_index and attestations.day = grid.day
    left join blocks on blocks.chain = grid.chain and blocks.validator_index = grid.validator_index and blocks.day = grid.day
    left join window_coverage on window_coverage.chain = grid.chain and window_coverage.day = grid.day
    left join queues on queues.chain = grid.chain and queues.day = grid.day
    left join slashed on slashed.chain = grid.chain and slashed.validator_index = grid.validator_index and slashed.day = grid.day

)

select
    *,
    balance_end_wei - balance_start_wei + withdrawals_wei - deposits_wei - consolidated_in_wei + consolidated_out_wei as balance_change_wei,
    balance_end_wei - balance_start_wei + withdrawals_wei - deposits_wei - consolidated_in_wei + consolidated_out_wei
        - rewards_credited_wei as residual_wei,
    has_end_state and is_covered and not has_missing_amount
        and (has_start_state or deposits_wei > 0) as is_checkable

from checked
