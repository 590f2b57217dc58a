with

source as (

    {{ completed_rows('ethereum', 'beacon_blocks') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.slot,
        source.epoch,
        produced as is_produced,
        source.proposer_index,
        source.block_number,
        block_hash::text as block_hash,
        fee_recipient::text as fee_recipient,
        source.gas_used,
        source.base_fee_per_gas_wei,
        to_timestamp(timestamp) as block_time,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
