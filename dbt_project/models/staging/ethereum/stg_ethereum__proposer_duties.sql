with

source as (

    {{ completed_rows('ethereum', 'proposer_duties') }}

),

renamed as (

    select
        source.chain::text as chain,
        source.slot,
        source.epoch,
        source.validator_index,
        pubkey::text as pubkey,
        source.response_id::text as response_id,
        source._dlt_load_id as load_id

    from source

)

select * from renamed
