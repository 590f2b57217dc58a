with

source as (

    {{ completed_rows('jito', 'jito_validators') }}

),

renamed as (

    select
        chain::text as chain,
        epoch,
        vote_account::text as vote_pubkey,
        identity_account::text as identity_pubkey,
        running_jito as is_running_jito,
        mev_commission_bps,
        mev_rewards as mev_rewards_lamports,
        priority_fee_commission_bps,
        priority_fee_rewards as priority_fee_rewards_lamports,
        active_stake as active_stake_lamports,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
