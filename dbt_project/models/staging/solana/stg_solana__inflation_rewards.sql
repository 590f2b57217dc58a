with

source as (

    {{ completed_rows('solana', 'inflation_rewards') }}

),

renamed as (

    select
        chain::text as chain,
        epoch,
        vote_pubkey::text as vote_pubkey,
        rewarded as is_rewarded,
        amount as amount_lamports,
        post_balance as post_balance_lamports,
        effective_slot,
        commission::numeric as commission_pct,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
