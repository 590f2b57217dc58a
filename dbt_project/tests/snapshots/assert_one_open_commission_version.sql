-- Each validator has exactly one current commission version (dbt_valid_to null), and versions
-- chain without gaps: every closed version ends where the next one starts.
with versions as (

    select
        chain,
        validator_key,
        dbt_valid_from,
        dbt_valid_to,
        lead(dbt_valid_from) over (partition by chain, validator_key order by dbt_valid_from) as next_valid_from
    from {{ ref('validator_commissions') }}

)

select chain, validator_key, 'not exactly one open version' as problem
from versions
group by chain, validator_key
having count(*) filter (where dbt_valid_to is null) <> 1

union all

select chain, validator_key, 'a closed version does not end where the next starts' as problem
from versions
where dbt_valid_to is distinct from next_valid_from
