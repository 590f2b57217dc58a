-- Loaded UTC days with their epochs (an epoch belongs to the day of its start time), slots, the
-- states that bound their balance reconciliation, and finality. A finalized checkpoint (epoch F)
-- is the block at F's first slot: epoch e's blocks are final once F >= e + 1, and its attestation
-- rewards (credited at the transition into e + 2) once F >= e + 2. A day is final when that holds
-- for its last epoch at the latest snapshot of the head.
with

windows as (

    select * from {{ ref('stg_ethereum__day_windows') }}

),

heads as (

    select chain, max(finalized_epoch) as finalized_epoch
    from {{ ref('stg_ethereum__beacon_snapshots') }}
    group by chain

)

select
    windows.chain,
    windows.day,
    windows.period_seq,
    windows.first_epoch,
    windows.last_epoch,
    windows.first_slot,
    windows.last_slot,
    windows.start_state_slot,
    windows.end_state_slot,
    windows.electra_fork_slot,
    windows.last_epoch + 2 <= heads.finalized_epoch as is_final,
    windows.load_id::numeric as load_id

from windows
join heads on heads.chain = windows.chain
