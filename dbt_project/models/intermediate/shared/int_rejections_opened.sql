-- Items still rejected (their responses stayed malformed): per chain, period and validator; a
-- null validator_key means the gap touches every validator of the period.
select
    chain,
    period_id,
    validator_key,
    count(*) as open_rejections

from {{ ref('stg_solana__rejected_items') }}
where is_open
group by chain, period_id, validator_key
