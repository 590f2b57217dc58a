{{ config(
    unique_key=['chain', 'epoch', 'validator_key'], period_merge_deletes=true,
    indexes=[{'columns': ['chain', 'period_seq']}],
    post_hook="delete from {{ this }} t using (select chain, max(epoch) as newest from {{ this }} group by chain) n
               join {{ ref('chains') }} c on c.chain = n.chain
               where t.chain = n.chain
                 and t.epoch < n.newest - {{ var('epoch_grain_days', 14) }} * 86400 / (c.slots_per_epoch * c.slot_seconds)"
) }}

-- Ethereum consensus rewards at epoch grain, kept for the most recent `epoch_grain_days` (14)
-- days: the day-grain P&L is the book of record, this is for looking closely.
with

build_periods as (

    {{ lookback_periods([[ref('stg_ethereum__day_windows'), 'period_seq']], 'period_seq') }}

),

days as (

    select d.* from {{ ref('int_ethereum__days_listed') }} as d
    join build_periods as b on b.chain = d.chain and b.period_seq = d.period_seq

)

select
    r.chain,
    r.validator_index::text as validator_key,
    r.epoch::bigint as epoch,
    days.day::text as period_id,
    days.period_seq,
    r.head_wei as head_base_units,
    r.target_wei as target_base_units,
    r.source_wei as source_base_units,
    r.inclusion_delay_wei as inclusion_delay_base_units,
    r.inactivity_wei as inactivity_base_units,
    r.proposer_wei as proposer_base_units,
    r.sync_wei as sync_base_units,
    r.head_wei + r.target_wei + r.source_wei + r.inclusion_delay_wei + r.inactivity_wei + r.proposer_wei + r.sync_wei as total_base_units,
    r.load_id as source_load_id

from {{ ref('int_ethereum__epoch_rewards_listed') }} as r
join days on days.chain = r.chain and r.epoch between days.first_epoch and days.last_epoch
