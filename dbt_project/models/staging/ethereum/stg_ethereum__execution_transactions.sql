with

source as (

    {{ completed_rows('ethereum', 'execution_transactions') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.block_number,
        source.transaction_index,
        transaction_hash::text as transaction_hash,
        from_address::text as from_address,
        to_address::text as to_address,
        source.value_wei,
        source.gas_used,
        source.effective_gas_price_wei,
        source.response_id::text as response_id,
        source.block_response_id::text as block_response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
