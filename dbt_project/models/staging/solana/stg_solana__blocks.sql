with

source as (

    {{ completed_rows('solana', 'blocks') }}

),

renamed as (

    select
        chain::text as chain,
        slot,
        epoch,
        leader_identity::text as identity_pubkey,
        produced as is_produced,
        to_timestamp(block_time) as block_time,
        block_height,
        parent_slot,
        fee_reward_lamports,
        base_fee_lamports,
        priority_fee_lamports,
        base_fee_lamports is not null as has_fee_split,
        -- The block's base and priority parts do not add up to its Fee reward (or a transaction's
        -- fee does not decompose): the Fee reward stands, the split is not used.
        fee_split_mismatch is not null as has_fee_split_mismatch,
        fee_split_mismatch,
        transaction_count,
        signature_count,
        precompile_signature_count,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source

)

select * from renamed
