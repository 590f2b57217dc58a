with

source as (

    select * from {{ source('solana', 'vote_accounts') }}

),

renamed as (

    select
        chain,
        snapshot_epoch,
        snapshot_slot,
        vote_pubkey,
        node_pubkey as identity_pubkey,
        activated_stake as activated_stake_lamports,
        commission::numeric as commission_pct,
        commission_bps,
        epoch_vote_account as is_epoch_vote_account,
        last_vote as last_vote_slot,
        root_slot,
        is_delinquent,
        response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
