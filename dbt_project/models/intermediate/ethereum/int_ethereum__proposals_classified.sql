{{ config(
    materialized='incremental',
    incremental_strategy='period_merge',
    unique_key=['chain', 'slot'],
    period_merge_deletes=true,
    on_schema_change='fail',
    indexes=[{'columns': ['chain', 'period_seq']}],
    pre_hook=["set local enable_nestloop = off", "set local enable_mergejoin = off"],
    post_hook=["{{ record_build_loads() }}"]
) }}

-- Every block a tracked validator proposed in a loaded day, classified and checked.
-- Relayed (MEV-Boost): a configured relay reports delivering this block hash (several relays may
-- report the same block: deduplicated by hash). The validator's MEV is what the block actually
-- paid to the relay's proposer_fee_recipient in its last transaction (from the block's fee
-- recipient, the builder); the block's priority fees belong to the builder. A builder that makes
-- the proposer's address the block's fee recipient pays it the priority fees directly instead.
-- Relayed by a relay that is not configured: no configured relay claims the block, but it is a
-- builder's: its fee recipient (coinbase) is not one of the operator's fee recipients, or, when
-- operators.yaml lists none, its last transaction is a transfer from the coinbase to another
-- address (the builder payment convention). MEV = that last transfer, to one of the operator's
-- fee recipients when it lists them (0 when there is none); priority fees 0 (the builder's: they
-- never reached the validator's fee recipient). has_relay_claim tells the two relayed kinds apart.
-- Locally built: the validator earns the block's priority fees, sum over receipts of
-- (effectiveGasPrice - baseFeePerGas) x gasUsed; blob and base fees are burned.
--
-- A table, rebuilt a day at a time as the canonical models are (macros/lookback_periods.sql):
-- proposals, validator_fees, validator_mev, validator_exceptions and marts.fct_pnl_lineage read
-- it, and as a view it was computed whole (every day's transactions) by each of them on every
-- build and on every lineage query. The days rebuilt are known when it compiles, so their slots
-- and block numbers are written into the select as literals (macros/ethereum_build_bounds.sql):
-- the planner estimates the range scans of the relay claims, blocks and transactions from their
-- statistics, where a range read from a subquery was estimated at one block (at 1,000,000
-- validators `proposals` then looped over the day's 7,116 blocks for over 12 minutes).
-- A rebuilt day's stored rows without a new row are deleted (period_merge_deletes): a block a
-- reorg orphaned leaves no stale row behind.
-- No nested loops nor merge joins in its transaction: the proposals (a slot-range join to the
-- days) are still estimated at a few rows, and the other joins are whole-day hash joins.
--
-- The CTEs the blocks are joined from are materialized: the planner underestimates the
-- proposals (the slot-range join to the days, estimated at one row) and, left to inline them,
-- re-ran the block rewards' scan once per produced block (a nested loop, loops = blocks).
-- Materialized, each is computed once per query. The day's transactions (1.1 million on a
-- mainnet day) are read twice instead, by two scans of the table: as one CTE they were spooled
-- to disk whole (341 MiB a mainnet day) and sorted whole to find each block's last transaction;
-- now the last is found by index within the block aggregate and the day's rows are scanned for
-- those few. Each block's figures are one row (block_transactions), joined once: two per-block
-- CTEs, one sorted, let the planner merge on the chain alone (7,116 blocks: 50 million pairs
-- filtered on the block number; EXPLAIN ANALYZE in bench/README.md).
with

build_periods as (

    {{ lookback_periods([[ref('stg_ethereum__day_windows'), 'period_seq']], 'period_seq') }}

),
{#- after build_periods: the bounds of the periods it recorded (none: every period) #}
{%- set bounds = ethereum_build_bounds(ref('stg_ethereum__day_windows'), ref('stg_ethereum__beacon_blocks')) %}

proposals as materialized (

    select b.chain, b.slot, b.epoch, d.day, d.period_seq, b.proposer_index as validator_index, b.block_number,
           b.block_hash, b.fee_recipient, r.total_wei as block_reward_wei,
           greatest(b.load_id::numeric, r.load_id::numeric) as load_id
    from {{ ref('stg_ethereum__block_rewards') }} as r
    join {{ ref('stg_ethereum__beacon_blocks') }} as b on b.chain = r.chain and b.slot = r.slot
    join {{ ref('int_ethereum__days_listed') }} as d on d.chain = b.chain and b.slot between d.first_slot and d.last_slot
    join build_periods as bp on bp.chain = d.chain and bp.period_seq = d.period_seq
    where b.is_produced
    {%- if bounds %}
      and r.slot between {{ bounds.first_slot }} and {{ bounds.last_slot }}
      and b.slot between {{ bounds.first_slot }} and {{ bounds.last_slot }}
    {%- endif %}

),

relayed as materialized (

    select
        chain, slot, block_hash,
        min(proposer_fee_recipient) as proposer_fee_recipient,
        count(distinct proposer_fee_recipient) as fee_recipients_reported,
        max(value_wei) as claimed_wei,
        min(value_wei) as claimed_min_wei,
        string_agg(distinct relay, ',' order by relay) as relays,
        max(load_id::numeric) as load_id
    from {{ ref('stg_ethereum__relay_payloads') }}
    {%- if bounds %}
    where slot between {{ bounds.first_slot }} and {{ bounds.last_slot }}
    {%- endif %}
    group by chain, slot, block_hash

),

blocks as (

    select * from {{ ref('stg_ethereum__execution_blocks') }}
    {%- if bounds %}
    where block_number between {{ bounds.first_block }} and {{ bounds.last_block }}
    {%- endif %}

),

transactions as not materialized (

    select * from {{ ref('stg_ethereum__execution_transactions') }}
    {%- if bounds %}
    where block_number between {{ bounds.first_block }} and {{ bounds.last_block }}
    {%- endif %}

),

priority as materialized (

    select
        t.chain, t.block_number,
        sum((t.effective_gas_price_wei - b.base_fee_per_gas_wei) * t.gas_used) as priority_fees_wei,
        bool_and(t.gas_used is not null and t.effective_gas_price_wei is not null) as has_receipts,
        max(t.transaction_index) as last_transaction_index
    from transactions as t
    join blocks as b on b.chain = t.chain and b.block_number = t.block_number
    group by t.chain, t.block_number

),

block_transactions as materialized (

    -- per block: its priority fees and its last transaction (the builder payment convention)
    select distinct on (pr.chain, pr.block_number)
        pr.chain, pr.block_number, pr.priority_fees_wei, pr.has_receipts,
        t.from_address, t.to_address, t.value_wei
    from priority as pr
    join transactions as t
        on t.chain = pr.chain and t.block_number = pr.block_number and t.transaction_index = pr.last_transaction_index
    order by pr.chain, pr.block_number

),

recipients as (

    select o.chain, o.validator_index, array_agg(f.address order by f.address) as expected_fee_recipients
    from {{ ref('int_ethereum__validator_operators_matched') }} as o
    join {{ ref('operator_fee_recipients') }} as f on f.chain = o.chain and f.operator = o.operator
    group by o.chain, o.validator_index

),

classified as (

    select
        p.*,
        r.block_hash is not null as has_relay_claim,
        r.relays, r.claimed_wei, r.claimed_min_wei, r.fee_recipients_reported, r.proposer_fee_recipient,
        r.load_id as relay_load_id,
        b.block_number is not null as has_execution_block,
        b.miner, b.transaction_count, b.load_id as block_load_id,
        bt.priority_fees_wei as block_priority_fees_wei, bt.has_receipts as receipts_complete,
        bt.from_address as last_from, bt.to_address as last_to, bt.value_wei as last_value_wei,
        rc.expected_fee_recipients,
        -- a builder's block no configured relay claims
        r.block_hash is null and b.block_number is not null and (
            case
                when rc.expected_fee_recipients is not null then not (b.miner = any (rc.expected_fee_recipients))
                else bt.from_address = b.miner and bt.to_address <> b.miner and bt.value_wei > 0
            end
        ) as is_unconfigured_relay
    from proposals as p
    left join relayed as r on r.chain = p.chain and r.slot = p.slot and r.block_hash = p.block_hash
    left join blocks as b on b.chain = p.chain and b.block_number = p.block_number
    left join block_transactions as bt on bt.chain = p.chain and bt.block_number = p.block_number
    left join recipients as rc on rc.chain = p.chain and rc.validator_index = p.validator_index

),

paid as (

    select
        *,
        case
            when has_relay_claim then proposer_fee_recipient
            -- the payment convention; with listed fee recipients only a payment to one of them counts
            when is_unconfigured_relay and last_from = miner and last_value_wei > 0 and last_to <> miner
                and (expected_fee_recipients is null or last_to = any (expected_fee_recipients)) then last_to
            when is_unconfigured_relay then null
            else fee_recipient
        end as paid_to
    from classified

)

select
    chain,
    slot,
    epoch,
    day,
    period_seq,
    validator_index,
    block_number,
    block_hash,
    block_reward_wei,
    has_relay_claim or coalesce(is_unconfigured_relay, false) as is_relayed,
    has_relay_claim,
    relays,
    claimed_wei as mev_claimed_wei,
    claimed_min_wei <> claimed_wei or fee_recipients_reported > 1 as relays_disagree,
    paid_to,
    has_execution_block,
    coalesce(receipts_complete, transaction_count = 0) as has_receipts,
    case
        when has_relay_claim then
            case
                when not has_execution_block then null
                when miner = proposer_fee_recipient then coalesce(block_priority_fees_wei, 0)
                when last_to = proposer_fee_recipient and last_from = miner then last_value_wei
                else 0
            end
        when is_unconfigured_relay then case when paid_to is null then 0 else last_value_wei end
    end as mev_paid_wei,
    case
        when has_relay_claim or is_unconfigured_relay then 0
        else coalesce(block_priority_fees_wei, 0)
    end as priority_fees_wei,
    expected_fee_recipients,
    case
        when expected_fee_recipients is null or paid_to is null then null
        else not (paid_to = any (expected_fee_recipients))
    end as is_unexpected_fee_recipient,
    greatest(load_id, relay_load_id, block_load_id::numeric) as load_id

from paid
