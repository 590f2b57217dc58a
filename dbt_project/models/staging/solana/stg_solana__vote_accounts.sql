with

source as (

    {{ completed_rows('solana', 'vote_accounts') }}

),

renamed as (

    select
        chain::text as chain,
        snapshot_epoch,
        snapshot_slot,
        vote_pubkey::text as vote_pubkey,
        node_pubkey::text as identity_pubkey,
        activated_stake as activated_stake_lamports,
        -- Basis points: reported by SIMD-0291 nodes (inflationRewardsCommissionBps), else the
        -- percent x 100 (rows loaded before Aurora stored basis points have only the percent).
        coalesce(commission_bps, commission * 100)::integer as commission_bps,
        epoch_vote_account as is_epoch_vote_account,
        last_vote as last_vote_slot,
        root_slot,
        is_delinquent,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
