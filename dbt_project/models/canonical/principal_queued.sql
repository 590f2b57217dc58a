{{ config(unique_key=['chain', 'period_id', 'validator_key'], period_merge_deletes=true, indexes=[{'columns': ['chain', 'period_seq']}],
          pre_hook="{{ restrict_views_to_build_periods() }}") }}

-- Principal waiting in Electra's queues at each day's end state (int_ethereum__principal_queued):
-- shown beside the balance, booked only when the state moves it. Only queued keys have a row, so
-- a rebuilt day's stored row its queues no longer hold is deleted (period_merge_deletes).
with

build_periods as (

    {{ lookback_periods([[ref('stg_ethereum__day_windows'), 'period_seq']], 'period_seq') }}

),

ethereum as (

    select
        q.chain,
        q.validator_key,
        q.day::text as period_id,
        q.period_seq,
        q.state_slot::bigint as state_slot,
        q.deposits_queued_wei as deposits_queued_base_units,
        q.deposits_queued::bigint as deposits_queued,
        q.withdrawals_queued_wei as withdrawals_queued_base_units,
        q.consolidation_out_queued_wei as consolidation_out_queued_base_units,
        q.consolidation_in_queued_wei as consolidation_in_queued_base_units,
        q.consolidations_queued::bigint as consolidations_queued,
        q.is_known,
        coalesce(q.load_id, 0) as source_load_id

    from {{ ref('int_ethereum__principal_queued') }} as q
    join build_periods as b on b.chain = q.chain and b.period_seq = q.period_seq

)

select * from ethereum
