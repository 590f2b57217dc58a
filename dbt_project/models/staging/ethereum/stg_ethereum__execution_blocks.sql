with

source as (

    {{ completed_rows('ethereum', 'execution_blocks') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.block_number,
        block_hash::text as block_hash,
        miner::text as miner,
        source.base_fee_per_gas_wei,
        source.gas_used,
        to_timestamp(timestamp) as block_time,
        source.transaction_count,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
