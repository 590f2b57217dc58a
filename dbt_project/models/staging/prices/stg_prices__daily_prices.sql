with

source as (

    {{ completed_rows('prices', 'daily_prices') }}

),

renamed as (

    select
        coin_id::text as coin_id,
        price_date,
        vs_currency::text as vs_currency,
        price::numeric as price_usd,
        observed_at,
        response_id::text as response_id,
        _dlt_load_id as load_id

    from source
    where vs_currency = 'usd'

)

select * from renamed
