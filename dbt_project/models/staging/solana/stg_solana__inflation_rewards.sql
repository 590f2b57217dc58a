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
        -- Basis points: commissionBps from SIMD-0291 nodes, else the percent x 100 (also for rows
        -- loaded before Aurora stored basis points). Null when there was no reward.
        coalesce(commission_bps, commission * 100)::integer as commission_bps,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
