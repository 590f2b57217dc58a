with

source as (

    {{ completed_rows('solana', 'epoch_credits') }}

),

renamed as (

    select
        chain::text as chain,
        vote_pubkey::text as vote_pubkey,
        epoch,
        credits as credits_cumulative,
        previous_credits as previous_credits_cumulative,
        credits - previous_credits as credits_earned,
        observed_epoch,
        is_complete,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
