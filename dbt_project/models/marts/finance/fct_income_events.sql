-- Each income event of an operator, for tax, on two bases (docs/books.md, "Income events"):
--   accrual  what the operator earned per validator and UTC day (its share of the day's pieces of
--            the validator's periods): one event per component, at 23:59:59 of the day. These
--            are exactly the revenue columns of fct_operator_validator_pnl, so an accrual export
--            adds up to the monthly statement.
--   cash     when the income reached the operator:
--            Solana issuance   at the first block of epoch E+1 (the reward's paid_slot; the start
--                              of E+1, or the end of E while E+1 is not loaded);
--            Solana block fees credited block by block: the epoch's share spread over the UTC
--                              days of its produced blocks (by their Fee rewards; by time when no
--                              block was loaded), at the day's last block;
--            Solana MEV and    Jito's tip distribution settles after the epoch: Aurora books the
--            fee sharing       claim at the end of epoch E+1 (the estimated end while E+1 is not
--                              loaded) and does not read the claim transaction itself;
--            Ethereum issuance when the protocol withdraws it to the withdrawal address: each
--                              withdrawal is income up to the consensus rewards accrued and not yet
--                              withdrawn (rewards first, principal last; the pool opens with the
--                              balance above 32 ETH at the first loaded day), split by the terms of
--                              the withdrawal's day;
--            Ethereum block    paid to the fee recipient in the block itself: the same as accrual.
--            fees and MEV
-- Amounts are signed: priority-fee sharing (paid out to stakers) and a day of net penalties are
-- negative. USD is the amount at the close of the event's UTC day.
with recursive

chains as (

    select * from {{ ref('chains') }}

),

operators as (

    select operator from {{ ref('operators') }}

),

validator_days as (

    select * from {{ ref('fct_operator_validator_pnl') }}

),

held as (

    -- The operators' shares of every day piece (a co-owner that is an operator included).
    select split.holder as holder_operator, split.*
    from {{ ref('int_books__validator_days_split') }} as split
    join operators on operators.operator = split.holder
    where split.holder_kind in ('operator', 'co_owner')

),

accrual as (

    select
        'accrual'::text as basis,
        d.operator,
        d.chain,
        d.validator_key,
        c.component,
        d.day::text as event_key,
        (d.day + 1)::timestamp at time zone 'UTC' - interval '1 second' as event_time,
        d.period_ids as earned_in,
        c.amount,
        d.is_final,
        d.data_gaps,
        false as is_time_estimated

    from validator_days as d
    cross join lateral (values
        ('issuance', d.issuance_base_units),
        ('block_fees', d.block_fees_base_units),
        ('mev', d.mev_base_units),
        ('priority_fee_sharing', -d.priority_fee_sharing_base_units)
    ) as c(component, amount)
    where c.amount <> 0

),

solana_epochs as (

    select
        held.holder_operator as operator,
        held.chain,
        held.validator_key,
        held.period_id,
        held.period_seq,
        held.component,
        sum(held.amount_base_units) as amount,
        min(held.period_start) as period_start,
        max(held.period_end) as period_end,
        bool_and(held.is_final) as is_final,
        {{ gap_codes_agg('held.data_gaps') }} as data_gaps

    from held
    join chains on chains.chain = held.chain
    where chains.family = 'solana'
      and held.component in ('issuance', 'block_fees', 'mev', 'priority_fee_sharing')
    group by held.holder_operator, held.chain, held.validator_key, held.period_id, held.period_seq, held.component

),

solana_settled as (

    select
        'cash'::text as basis,
        e.operator,
        e.chain,
        e.validator_key,
        e.component,
        'epoch ' || e.period_id as event_key,
        case
            when e.component = 'issuance' then coalesce(next_period.period_start, e.period_end)
            else coalesce(next_period.period_end, e.period_end + (e.period_end - e.period_start))
        end as event_time,
        e.period_id as earned_in,
        case when e.component = 'priority_fee_sharing' then -e.amount else e.amount end as amount,
        e.is_final,
        e.data_gaps,
        next_period.period_end is null as is_time_estimated

    from solana_epochs as e
    left join {{ ref('periods') }} as next_period
        on next_period.chain = e.chain and next_period.period_seq = e.period_seq + 1
    where e.component in ('issuance', 'mev', 'priority_fee_sharing')
      and e.amount <> 0

),

fee_epochs as (

    select * from solana_epochs where component = 'block_fees' and amount <> 0

),

block_days as (

    -- The UTC days on which each vote account's identity produced its epoch's blocks, weighted by
    -- the Fee rewards it received in them.
    select
        meta.chain,
        meta.validator_key,
        meta.period_id,
        (blocks.block_time at time zone 'UTC')::date as day,
        sum(blocks.fee_reward_lamports)::numeric as weight,
        max(blocks.block_time) as last_block_time

    from {{ ref('validator_meta') }} as meta
    join chains on chains.chain = meta.chain and chains.family = 'solana'
    join {{ ref('stg_solana__blocks') }} as blocks
        on blocks.chain = meta.chain
        and blocks.epoch = meta.period_seq
        and blocks.identity_pubkey = meta.identity_pubkey
        and blocks.is_produced
        and blocks.fee_reward_lamports > 0
        and blocks.block_time is not null
    -- the epochs whose fees are booked only: the history of every vote account is not read
    where (meta.chain, meta.validator_key, meta.period_id) in (select chain, validator_key, period_id from fee_epochs)
    group by meta.chain, meta.validator_key, meta.period_id, (blocks.block_time at time zone 'UTC')::date

),

fee_weights as (

    select fee_epochs.*, block_days.day, block_days.weight, block_days.last_block_time as paid_at, false as by_time
    from fee_epochs
    join block_days using (chain, validator_key, period_id)

    union all

    select fee_epochs.*, pieces.day, pieces.day_weight,
        least((pieces.day + 1)::timestamp at time zone 'UTC' - interval '1 second', pieces.piece_end), true
    from fee_epochs
    join (
        select distinct chain, validator_key, period_id, day, day_weight, period_end as piece_end
        from {{ ref('int_books__validator_days_apportioned') }}
        where component = 'block_fees'
    ) as pieces using (chain, validator_key, period_id)
    where not exists (
        select 1 from block_days
        where block_days.chain = fee_epochs.chain
          and block_days.validator_key = fee_epochs.validator_key
          and block_days.period_id = fee_epochs.period_id
    )

),

fee_split as (

    {{ largest_remainder('fee_weights', 'operator, chain, validator_key, period_id', 'amount', 'weight', 'day') }}

),

solana_block_fees as (

    select
        'cash'::text as basis,
        operator,
        chain,
        validator_key,
        'block_fees'::text as component,
        'epoch ' || period_id || ' ' || day::text as event_key,
        paid_at as event_time,
        period_id as earned_in,
        allocated as amount,
        is_final,
        data_gaps,
        by_time as is_time_estimated

    from fee_split
    where allocated <> 0

),

booked_validators as (

    -- The validators whose withdrawals can be booked: an operator's, or with holders of their
    -- issuance (withdrawal_holders books a withdrawal to one or the other). A validator's operator
    -- in fct_validator_pnl is its identity's, else its operators.yaml entry's, on every row (a
    -- change rebuilds every period: macros/period_queue.sql), so these are read from there: a
    -- scan of every validator-day (3.2 million rows network-wide at 100,000 validators x 32 days,
    -- 2.0 s in EXPLAIN ANALYZE with no operator at all) found the same validators. A listed
    -- validator with no Ethereum row adds nothing below. Whole validators, so each kept one's
    -- withdrawals are paid out in order as before.
    select chain, validator_key from {{ ref('validator_identities') }} where operator is not null
    union
    select chain, validator from {{ ref('operator_validators') }}
    union
    select chain, validator_key from {{ ref('int_books__holder_weights_resolved') }} where component = 'issuance'

),

ethereum_withdrawals as (

    select
        flows.chain,
        flows.validator_key,
        flows.period_id,
        flows.period_id::date as day,
        flows.slot,
        flows.position,
        -flows.amount_base_units as amount,
        row_number() over (partition by flows.chain, flows.validator_key order by flows.slot, flows.position) as n

    from {{ ref('principal_flows') }} as flows
    where flows.kind = 'withdrawal'
      and flows.amount_base_units is not null
      and (flows.chain, flows.validator_key) in (select chain, validator_key from booked_validators)

),

validator_issuance as (

    select
        pnl.chain,
        pnl.validator_key,
        pnl.period_id::date as day,
        pnl.operator,
        pnl.issuance_base_units,
        pnl.is_final,
        pnl.data_gaps

    from {{ ref('fct_validator_pnl') }} as pnl
    join chains on chains.chain = pnl.chain and chains.family = 'ethereum'
    where (pnl.chain, pnl.validator_key) in (select chain, validator_key from booked_validators)

),

opening as (

    -- Rewards accrued before the first loaded day and not yet withdrawn: the balance above the
    -- 32 ETH deposit at the start of that day (docs/books.md: an assumption for 0x01 validators).
    select distinct on (rec.chain, rec.validator_key)
        rec.chain,
        rec.validator_key,
        greatest(coalesce(rec.balance_start_base_units, 0) - 32 * power(10::numeric, chains.decimals), 0) as pool

    from {{ ref('balance_reconciliations') }} as rec
    join chains on chains.chain = rec.chain
    where (rec.chain, rec.validator_key) in (select chain, validator_key from booked_validators)
    order by rec.chain, rec.validator_key, rec.period_seq

),

withdrawal_accrued as (

    -- The issuance each withdrawal's validator had accrued by the withdrawal's day (that day
    -- included): a running sum over the validator's days and withdrawals in order (both of
    -- booked validators only), a day's issuance before its withdrawals. A sum per withdrawal over
    -- the validator's days was a correlated scan of every validator-day once per withdrawal,
    -- quadratic: 113,858 withdrawals x 200,001 validator-days on a mainnet-shaped day of 200,000
    -- validators, cancelled after 9 minutes.
    select chain, validator_key, n, accrued
    from (
        select
            chain, validator_key, n, is_withdrawal,
            sum(issuance) over (partition by chain, validator_key order by day, is_withdrawal, n
                                rows unbounded preceding) as accrued
        from (
            select i.chain, i.validator_key, i.day, false as is_withdrawal, null::bigint as n, i.issuance_base_units as issuance
            from validator_issuance as i
            union all
            select w.chain, w.validator_key, w.day, true, w.n, null::numeric
            from ethereum_withdrawals as w
        ) as events
    ) as running
    where is_withdrawal

),

withdrawal_pool as (

    select
        w.*,
        coalesce(opening.pool, 0) + coalesce(accrued.accrued, 0) as accrued

    from ethereum_withdrawals as w
    join withdrawal_accrued as accrued
        on accrued.chain = w.chain and accrued.validator_key = w.validator_key and accrued.n = w.n
    left join opening on opening.chain = w.chain and opening.validator_key = w.validator_key

),

withdrawal_income (chain, validator_key, n, income, paid) as (

    -- Rewards first: withdrawal n is income up to what was accrued and not yet paid out.
    select chain, validator_key, n, greatest(0, least(amount, accrued)), greatest(0, least(amount, accrued))
    from withdrawal_pool
    where n = 1

    union all

    select
        w.chain,
        w.validator_key,
        w.n,
        greatest(0, least(w.amount, w.accrued - prior.paid)),
        prior.paid + greatest(0, least(w.amount, w.accrued - prior.paid))

    from withdrawal_income as prior
    join withdrawal_pool as w
        on w.chain = prior.chain and w.validator_key = prior.validator_key and w.n = prior.n + 1

),

withdrawal_holders as (

    select
        w.chain,
        w.validator_key,
        w.day,
        w.slot,
        w.position,
        income.income as amount,
        coalesce(holders.holder, day_row.operator) as holder,
        coalesce(holders.holder_kind, 'operator') as holder_kind,
        coalesce(holders.weight, 1000000000000::numeric) as weight,
        day_row.is_final,
        day_row.data_gaps

    from withdrawal_pool as w
    join withdrawal_income as income
        on income.chain = w.chain and income.validator_key = w.validator_key and income.n = w.n
    left join validator_issuance as day_row
        on day_row.chain = w.chain and day_row.validator_key = w.validator_key and day_row.day = w.day
    left join {{ ref('int_books__holder_weights_resolved') }} as holders
        on holders.chain = w.chain
        and holders.validator_key = w.validator_key
        and holders.component = 'issuance'
        and w.day >= holders.effective_from
        and (holders.effective_to is null or w.day <= holders.effective_to)
    where income.income > 0

),

withdrawal_split as (

    {{ largest_remainder('withdrawal_holders', 'chain, validator_key, slot, position', 'amount', 'weight', 'weight desc, holder') }}

),

ethereum_withdrawn as (

    select
        'cash'::text as basis,
        split.holder as operator,
        split.chain,
        split.validator_key,
        'issuance'::text as component,
        'withdrawal ' || split.slot || ' ' || split.position as event_key,
        chains.genesis_time + (split.slot * chains.slot_seconds)::float8 * interval '1 second' as event_time,
        null::text as earned_in,
        split.allocated as amount,
        coalesce(split.is_final, false) as is_final,
        split.data_gaps,
        false as is_time_estimated

    from withdrawal_split as split
    join operators on operators.operator = split.holder
    join chains on chains.chain = split.chain
    where split.holder_kind in ('operator', 'co_owner')
      and split.allocated <> 0

),

ethereum_paid_in_block as (

    select
        'cash'::text as basis,
        accrual.operator,
        accrual.chain,
        accrual.validator_key,
        accrual.component,
        accrual.event_key,
        accrual.event_time,
        accrual.earned_in,
        accrual.amount,
        accrual.is_final,
        accrual.data_gaps,
        accrual.is_time_estimated

    from accrual
    join chains on chains.chain = accrual.chain and chains.family = 'ethereum'
    where accrual.component in ('block_fees', 'mev')

),

events as (

    select * from accrual
    union all
    select * from solana_settled
    union all
    select * from solana_block_fees
    union all
    select * from ethereum_withdrawn
    union all
    select * from ethereum_paid_in_block

),

valued as (

    select
        events.*,
        (events.event_time at time zone 'UTC')::date as event_date,
        chains.native_symbol,
        chains.decimals,
        prices.price_usd,
        {{ merge_gap_codes('events.data_gaps', [
            ('prices.price_usd is null', 'price_missing'),
            ("events.is_time_estimated and events.basis = 'cash' and events.component <> 'block_fees'", 'payment_time_estimated'),
        ]) }} as gaps

    from events
    join chains on chains.chain = events.chain
    left join {{ ref('daily_prices') }} as prices
        on prices.chain = events.chain
        and prices.price_date = (events.event_time at time zone 'UTC')::date

)

select
    valued.basis,
    valued.operator,
    valued.chain,
    valued.validator_key,
    valued.component,
    valued.event_key,
    valued.event_time,
    valued.event_date,
    date_trunc('month', valued.event_date)::date as event_month,
    valued.earned_in,
    valued.amount as amount_base_units,
    {{ to_native('valued.amount', 'valued.decimals') }} as amount_native,
    valued.native_symbol as token,
    valued.price_usd,
    {{ to_native('valued.amount', 'valued.decimals') }} * valued.price_usd as value_usd,
    valued.basis = settings.income_basis as is_reporting_basis,
    coalesce(valued.is_final, false) and valued.gaps is null as is_final,
    valued.gaps is not null as has_data_gaps,
    valued.gaps as data_gaps

from valued
cross join {{ ref('books_settings') }} as settings
