-- Each Ethereum validator's proposal duties in a day: due, produced, and missed (the slot's block
-- was read and not produced; a duty whose slot was not read is neither).
with

days as (

    select * from {{ ref('int_ethereum__days_listed') }}
    where {{ in_build_periods('chain', 'period_seq') }}

)

select
    days.chain,
    d.validator_index,
    days.day,
    days.period_seq,
    count(*) as proposals_due,
    count(*) filter (where b.is_produced) as blocks_produced,
    count(*) filter (where b.slot is not null and not b.is_produced) as proposals_missed,
    max(d.load_id::numeric) as load_id

from {{ ref('stg_ethereum__proposer_duties') }} as d
join days on days.chain = d.chain and d.slot between days.first_slot and days.last_slot
left join {{ ref('stg_ethereum__beacon_blocks') }} as b on b.chain = d.chain and b.slot = d.slot
group by days.chain, d.validator_index, days.day, days.period_seq
