-- Every block a tracked validator proposed in a loaded day, classified and checked.
-- Relayed (MEV-Boost): a relay reports delivering this block hash (several relays may report the
-- same block: deduplicated by hash). The validator's MEV is what the block actually paid to the
-- relay's proposer_fee_recipient in its last transaction (from the block's fee recipient, the
-- builder); the block's priority fees belong to the builder. A builder that makes the proposer's
-- address the block's fee recipient pays it the priority fees directly instead.
-- Locally built: the validator earns the block's priority fees, sum over receipts of
-- (effectiveGasPrice - baseFeePerGas) x gasUsed; blob and base fees are burned.
with

proposals as (

    select b.chain, b.slot, b.epoch, d.day, d.period_seq, b.proposer_index as validator_index, b.block_number,
           b.block_hash, b.fee_recipient, r.total_wei as block_reward_wei,
           greatest(b.load_id::numeric, r.load_id::numeric) as load_id
    from {{ ref('stg_ethereum__block_rewards') }} as r
    join {{ ref('stg_ethereum__beacon_blocks') }} as b on b.chain = r.chain and b.slot = r.slot
    join {{ ref('int_ethereum__days_listed') }} as d on d.chain = b.chain and b.slot between d.first_slot and d.last_slot
    where b.is_produced

),

relayed as (

    select
        chain, slot, block_hash,
        min(proposer_fee_recipient) as proposer_fee_recipient,
        count(distinct proposer_fee_recipient) as fee_recipients_reported,
        max(value_wei) as claimed_wei,
        min(value_wei) as claimed_min_wei,
        string_agg(distinct relay, ',' order by relay) as relays,
        max(load_id::numeric) as load_id
    from {{ ref('stg_ethereum__relay_payloads') }}
    group by chain, slot, block_hash

),

blocks as (

    select * from {{ ref('stg_ethereum__execution_blocks') }}

),

transactions as (

    select * from {{ ref('stg_ethereum__execution_transactions') }}

),

priority as (

    select
        t.chain, t.block_number,
        sum((t.effective_gas_price_wei - b.base_fee_per_gas_wei) * t.gas_used) as priority_fees_wei,
        bool_and(t.gas_used is not null and t.effective_gas_price_wei is not null) as has_receipts
    from transactions as t
    join blocks as b on b.chain = t.chain and b.block_number = t.block_number
    group by t.chain, t.block_number

),

last_transactions as (

    select distinct on (chain, block_number) chain, block_number, from_address, to_address, value_wei
    from transactions
    order by chain, block_number, transaction_index desc

),

recipients as (

    select o.chain, o.validator_index, array_agg(f.address order by f.address) as expected_fee_recipients
    from {{ ref('int_ethereum__validator_operators_matched') }} as o
    join {{ ref('operator_fee_recipients') }} as f on f.chain = o.chain and f.operator = o.operator
    group by o.chain, o.validator_index

)

select
    p.chain,
    p.slot,
    p.epoch,
    p.day,
    p.period_seq,
    p.validator_index,
    p.block_number,
    p.block_hash,
    p.block_reward_wei,
    r.block_hash is not null as is_relayed,
    r.relays,
    r.claimed_wei as mev_claimed_wei,
    r.claimed_min_wei <> r.claimed_wei or r.fee_recipients_reported > 1 as relays_disagree,
    coalesce(r.proposer_fee_recipient, p.fee_recipient) as paid_to,
    b.block_number is not null as has_execution_block,
    coalesce(pr.has_receipts, b.transaction_count = 0) as has_receipts,
    case
        when r.block_hash is null then null
        when b.block_number is null then null
        when b.miner = r.proposer_fee_recipient then coalesce(pr.priority_fees_wei, 0)
        when lt.to_address = r.proposer_fee_recipient and lt.from_address = b.miner then lt.value_wei
        else 0
    end as mev_paid_wei,
    case
        when r.block_hash is not null then 0
        else coalesce(pr.priority_fees_wei, 0)
    end as priority_fees_wei,
    rc.expected_fee_recipients,
    case
        when rc.expected_fee_recipients is null then null
        else not (coalesce(r.proposer_fee_recipient, p.fee_recipient) = any (rc.expected_fee_recipients))
    end as is_unexpected_fee_recipient,
    greatest(p.load_id, r.load_id, b.load_id::numeric) as load_id

from proposals as p
left join relayed as r on r.chain = p.chain and r.slot = p.slot and r.block_hash = p.block_hash
left join blocks as b on b.chain = p.chain and b.block_number = p.block_number
left join priority as pr on pr.chain = p.chain and pr.block_number = p.block_number
left join last_transactions as lt on lt.chain = p.chain and lt.block_number = p.block_number
left join recipients as rc on rc.chain = p.chain and rc.validator_index = p.validator_index
