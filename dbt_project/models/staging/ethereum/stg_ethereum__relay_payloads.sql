with

source as (

    {{ completed_rows('ethereum', 'relay_payloads') }}

),

renamed as (

    select
        source.chain::text as chain,
        relay::text as relay,
        source.slot,
        block_hash::text as block_hash,
        source.block_number,
        builder_pubkey::text as builder_pubkey,
        proposer_pubkey::text as proposer_pubkey,
        proposer_fee_recipient::text as proposer_fee_recipient,
        source.value_wei,
        source.gas_used,
        source.num_tx,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
