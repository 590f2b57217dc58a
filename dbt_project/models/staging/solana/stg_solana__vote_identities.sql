with

source as (

    {{ completed_rows('solana', 'vote_identities') }}

),

renamed as (

    select
        chain::text as chain,
        epoch,
        vote_pubkey::text as vote_pubkey,
        identity_pubkey::text as identity_pubkey,
        source::text as identity_source,
        _dlt_load_id as load_id

    from source

)

select * from renamed
