-- A provider can only serve the roles its API can answer for the chain's family (the same table
-- as loaders/config.py ROLE_TYPES, checked again here because the warehouse can be loaded by hand).
with allowed (family, role, provider_type) as (

    values
        ('solana', 'rewards', 'solana_rpc'),
        ('solana', 'fees', 'solana_rpc'),
        ('solana', 'meta', 'solana_rpc'),
        ('solana', 'mev', 'jito'),
        ('solana', 'prices', 'prices'),
        ('ethereum', 'rewards', 'beacon'),
        ('ethereum', 'meta', 'beacon'),
        ('ethereum', 'fees', 'execution_rpc'),
        ('ethereum', 'mev', 'relay'),
        ('ethereum', 'prices', 'prices')

)

select m.chain, m.role, m.priority, m.provider, p.provider_type
from {{ ref('chain_provider_mappings') }} as m
join {{ ref('chains') }} as c on c.chain = m.chain
join {{ ref('providers') }} as p on p.provider = m.provider
left join allowed as a
    on a.family = c.family and a.role = m.role and a.provider_type = p.provider_type
where a.family is null
