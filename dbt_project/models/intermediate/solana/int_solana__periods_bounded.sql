-- Loaded epochs with their first and last blocks' times. An epoch is final once finality_lag
-- further epochs have completed at the latest snapshot (Jito settles within that lag).
with

epochs as (

    select chain, epoch, max(load_id::numeric) as load_id
    from {{ ref('int_solana__validator_epochs_listed') }}
    group by chain, epoch

),

bounds as (

    select * from {{ ref('stg_solana__epoch_boundaries') }}

),

heads as (

    select chain, max(current_epoch) as current_epoch
    from {{ ref('stg_solana__cluster_snapshots') }}
    group by chain

)

select
    epochs.chain,
    epochs.epoch,
    bounds.first_slot,
    bounds.last_slot,
    bounds.start_time,
    bounds.end_time,
    epochs.epoch + chains.finality_lag < heads.current_epoch as is_final,
    greatest(epochs.load_id, bounds.load_id::numeric) as load_id

from epochs
join {{ ref('chains') }} as chains on chains.chain = epochs.chain
join heads on heads.chain = epochs.chain
left join bounds on bounds.chain = epochs.chain and bounds.epoch = epochs.epoch
