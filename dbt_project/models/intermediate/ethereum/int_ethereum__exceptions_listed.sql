-- What the warehouse flags instead of booking, from the blocks: MEV claims that the blocks do not
-- bear out, blocks a relay outside providers.yaml delivered, and relays that disagree (one row per
-- relay claim, each with its own value). `reference` keeps the rows of a day apart: the slot, or
-- slot:relay for one relay's claim. Balance residuals (slashings) are the other exceptions:
-- canonical.validator_exceptions reads them from canonical.balance_reconciliations, so the balance
-- check is computed once a build.
with

proposals as (

    select * from {{ ref('int_ethereum__proposals_classified') }}

),

claims as (

    select r.chain, r.slot, r.block_hash, r.relay, r.value_wei, r.proposer_fee_recipient
    from {{ ref('stg_ethereum__relay_payloads') }} as r

)

select chain, validator_index, day, period_seq,
       'mev_value_mismatch' as kind,
       slot,
       slot::text as reference,
       mev_claimed_wei as expected_wei,
       mev_paid_wei as actual_wei,
       'the block paid the proposer fee recipient another amount than the relay reported (relays: ' || relays || ')' as reason,
       load_id
from proposals
where has_relay_claim and mev_paid_wei > 0 and mev_paid_wei <> mev_claimed_wei

union all

select chain, validator_index, day, period_seq, 'mev_payment_missing', slot, slot::text, mev_claimed_wei, 0,
       'a relay delivered this block but its last transaction pays nothing to the proposer fee recipient (relays: ' || relays || ')', load_id
from proposals
where has_relay_claim and has_execution_block and mev_paid_wei = 0

union all

select chain, validator_index, day, period_seq, 'relay_not_configured', slot, slot::text, null, mev_paid_wei,
       case
           when paid_to is null then 'no configured relay reported this block, yet it is a builder''s: its fee recipient is not the validator''s and its last transaction pays the proposer nothing; booked as MEV 0, not as priority fees'
           else 'no configured relay reported this block, yet it is a builder''s: its last transaction pays ' || paid_to || ' from the block''s fee recipient; booked as MEV, not as priority fees (add the relay to providers.yaml)'
       end,
       load_id
from proposals
where is_relayed and not has_relay_claim

union all

select chain, validator_index, day, period_seq, 'unexpected_fee_recipient', slot, slot::text, null,
       case when is_relayed then mev_paid_wei else priority_fees_wei end,
       'paid to ' || paid_to || ', not one of the operator''s fee recipients', load_id
from proposals
where is_unexpected_fee_recipient

union all

select p.chain, p.validator_index, p.day, p.period_seq, 'relay_value_disagreement', p.slot, p.slot::text || ':' || c.relay,
       c.value_wei, p.mev_paid_wei,
       'relay ' || c.relay || ' reported value ' || c.value_wei::text || ' to ' || c.proposer_fee_recipient
           || '; relays report different values or fee recipients for the same block (relays: ' || p.relays || ')',
       p.load_id
from proposals as p
join claims as c on c.chain = p.chain and c.slot = p.slot and c.block_hash = p.block_hash
where p.relays_disagree
