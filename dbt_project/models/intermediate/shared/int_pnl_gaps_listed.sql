-- A table (it reads both chains: see int_periods_expected for why that matters), rebuilt by
-- period: only the periods queued for it (macros/period_queue.sql).
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='sync_all_columns',
          pre_hook=["{{ delete_queued_periods() }}"], post_hook=["{{ consume_period_queue() }}"]) }}
{%- set build_periods = queued_periods() %}

-- Why an expected P&L row is not final, one row per (row, code), in the vocabulary of
-- docs/pnl.md ("Gaps"). `wait` says when a code is a gap: `now` (a provider failed, history is
-- gone, a component was never fetched, an invariant broke), `lag` (an input that may still
-- arrive: awaited while the chain's finality_lag runs, a gap after it), `never` (awaited only:
-- an Ethereum day whose last epoch is not finalized yet; the chain has not decided).
with

grid as (

    select * from {{ ref('int_pnl_grid') }}
    where {{ in_queued_periods(build_periods) }}

),

chains as (

    select * from {{ ref('chains') }}

),

-- The period in progress per chain at the latest snapshot: the finality lag counts from it.
clocks as (

    select chain, max(current_epoch)::bigint as current_seq
    from {{ ref('stg_solana__cluster_snapshots') }}
    group by chain
    union all
    select snapshots.chain,
           ((chains.genesis_time + make_interval(secs => max(snapshots.head_epoch) * chains.slot_seconds * chains.slots_per_epoch))
               at time zone 'UTC')::date - date '1970-01-01'
    from {{ ref('stg_ethereum__beacon_snapshots') }} as snapshots
    join chains on chains.chain = snapshots.chain
    group by snapshots.chain, chains.genesis_time, chains.slot_seconds, chains.slots_per_epoch

),

loads as (

    select chain, period_id, block_source, unsettled from {{ ref('stg_solana__period_loads') }}
    union all
    select chain, period_id, block_source, unsettled from {{ ref('stg_ethereum__period_loads') }}

),

loaded as (

    select grid.*, chains.family, loads.block_source, loads.unsettled
    from grid
    join chains on chains.chain = grid.chain
    left join loads on loads.chain = grid.chain and loads.period_id = grid.period_id
    where grid.is_loaded

),

price_dates as (

    select loaded.chain, loaded.validator_key, loaded.period_id,
           ((periods.period_end - interval '1 microsecond') at time zone 'UTC')::date as price_date
    from loaded
    left join {{ ref('periods') }} as periods on periods.chain = loaded.chain and periods.period_id = loaded.period_id

),

mev_mapped as (

    select distinct chain from {{ ref('chain_provider_mappings') }} where role = 'mev'

),

codes as (

    select chain, validator_key, period_id, 'not_loaded' as gap, 'now' as wait
    from grid where not is_loaded

    union all

    -- A rejection of a whole period (no validator) is every validator's gap; one of a validator's
    -- item (a block's payload, a relay's answer: keyed by the proposer) is its own. Two joins on
    -- equalities, not one on "validator_key is null or =": that one compared every row of a
    -- period with every rejection of it (a relay down for a mainnet day: thousands of rejections
    -- against every validator of the day).
    select grid.chain, grid.validator_key, grid.period_id, rejections.gap, 'now'
    from grid
    join {{ ref('int_rejections_opened') }} as rejections
        on rejections.chain = grid.chain and rejections.period_id = grid.period_id
        and rejections.validator_key is null

    union all

    select grid.chain, grid.validator_key, grid.period_id, rejections.gap, 'now'
    from grid
    join {{ ref('int_rejections_opened') }} as rejections
        on rejections.chain = grid.chain and rejections.period_id = grid.period_id
        and rejections.validator_key = grid.validator_key

    union all

    -- Solana: getInflationReward has not answered for the vote account and epoch.
    select loaded.chain, loaded.validator_key, loaded.period_id, 'issuance_unavailable', 'lag'
    from loaded
    left join {{ ref('stg_solana__inflation_rewards') }} as rewards
        on rewards.chain = loaded.chain and rewards.vote_pubkey = loaded.validator_key and rewards.epoch = loaded.period_seq
    where loaded.family = 'solana' and rewards.vote_pubkey is null

    union all

    -- Solana: block fees never fetched (network-wide without --scan-all-blocks), or no leader
    -- schedule kept and no block scan.
    select chain, validator_key, period_id,
           case block_source when 'none' then 'block_fees_not_scanned' else 'leader_schedule_unknown' end, 'now'
    from loaded
    where family = 'solana' and block_source in ('none', 'unknown')

    union all

    -- Solana: vote credits not seen whole by a snapshot (getVoteAccounts reports five epochs).
    select loaded.chain, loaded.validator_key, loaded.period_id, 'vote_credits_unobserved', 'lag'
    from loaded
    left join {{ ref('validator_costs') }} as costs
        on costs.chain = loaded.chain and costs.validator_key = loaded.validator_key and costs.period_id = loaded.period_id
    where loaded.family = 'solana' and not coalesce(costs.is_known and costs.is_complete, false)

    union all

    -- Solana: Jito's figures not settled: kobe never answered for the epoch, or the validator runs
    -- Jito (has a commission) and kobe shows MEV for nobody yet (it reports 0 until settled).
    select loaded.chain, loaded.validator_key, loaded.period_id, 'mev_unsettled', 'lag'
    from loaded
    join mev_mapped on mev_mapped.chain = loaded.chain
    left join {{ ref('stg_jito__epochs') }} as epochs
        on epochs.chain = loaded.chain and epochs.epoch = loaded.period_seq
    left join {{ ref('stg_jito__validators') }} as jito
        on jito.chain = loaded.chain and jito.epoch = loaded.period_seq and jito.vote_pubkey = loaded.validator_key
    where loaded.family = 'solana'
      and (epochs.epoch is null or (jito.mev_commission_bps is not null and not epochs.is_settled))

    union all

    -- Ethereum: the day's last epoch was not finalized when it was loaded, or is not yet.
    select loaded.chain, loaded.validator_key, loaded.period_id, 'not_finalized', 'never'
    from loaded
    left join {{ ref('int_ethereum__days_listed') }} as days
        on days.chain = loaded.chain and days.period_seq = loaded.period_seq
    where loaded.family = 'ethereum'
      and (not coalesce(days.is_final, false) or coalesce(loaded.unsettled, '') like '%not_finalized%')
      and not coalesce(loaded.unsettled, '') like '%history_unavailable%'

    union all

    -- The USD close of the day the period ends on.
    select price_dates.chain, price_dates.validator_key, price_dates.period_id, 'price_missing', 'lag'
    from price_dates
    left join {{ ref('daily_prices') }} as prices
        on prices.chain = price_dates.chain and prices.price_date = price_dates.price_date
    where prices.price_date is null

    union all

    select price_dates.chain, price_dates.validator_key, price_dates.period_id, rejections.gap, 'now'
    from price_dates
    join {{ ref('stg_prices__rejected_items') }} as rejections
        on rejections.chain = price_dates.chain and rejections.period_id = price_dates.price_date::text and rejections.is_open

    union all

    -- As the rejections: a period's failed invariant, then a validator's.
    select grid.chain, grid.validator_key, grid.period_id, 'invariant_failed:' || failed.invariant, 'now'
    from grid
    join {{ ref('int_invariants_failed') }} as failed
        on failed.chain = grid.chain and failed.period_id = grid.period_id
        and failed.validator_key is null

    union all

    select grid.chain, grid.validator_key, grid.period_id, 'invariant_failed:' || failed.invariant, 'now'
    from grid
    join {{ ref('int_invariants_failed') }} as failed
        on failed.chain = grid.chain and failed.period_id = grid.period_id
        and failed.validator_key = grid.validator_key

)

select distinct
    codes.chain,
    codes.validator_key,
    codes.period_id,
    grid.period_seq,
    codes.gap,
    codes.wait,
    codes.wait = 'now' or (codes.wait = 'lag' and coalesce(grid.period_seq + chains.finality_lag < clocks.current_seq, false)) as is_gap

from codes
join grid using (chain, validator_key, period_id)
join chains on chains.chain = codes.chain
left join clocks on clocks.chain = codes.chain
