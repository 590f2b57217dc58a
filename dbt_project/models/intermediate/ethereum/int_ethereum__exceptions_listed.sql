-- What the warehouse flags instead of booking: balance residuals (a slashing penalty, or data the
-- rewards endpoints do not explain) and MEV claims that the blocks do not bear out.
with

reconciled as (

    select * from {{ ref('int_ethereum__balances_reconciled') }}
    where is_checkable and residual_wei <> 0

),

proposals as (

    select * from {{ ref('int_ethereum__proposals_classified') }}

)

select chain, validator_index, day, period_seq,
       case when is_slashed_in_day then 'slashing' else 'balance_residual' end as kind,
       null::bigint as slot,
       0::numeric as expected_wei,
       residual_wei as actual_wei,
       case
           when is_slashed_in_day then 'slashed: the penalty is not in the rewards endpoints; the residual is the balance it cost'
           else 'the balance changed by more or less than rewards and principal moves explain'
       end as reason,
       load_id
from reconciled

union all

select chain, validator_index, day, period_seq, 'mev_value_mismatch', slot, mev_claimed_wei, mev_paid_wei,
       'the block paid the proposer fee recipient another amount than the relay reported (relays: ' || relays || ')', load_id
from proposals
where is_relayed and mev_paid_wei > 0 and mev_paid_wei <> mev_claimed_wei

union all

select chain, validator_index, day, period_seq, 'mev_payment_missing', slot, mev_claimed_wei, 0,
       'a relay delivered this block but its last transaction pays nothing to the proposer fee recipient (relays: ' || relays || ')', load_id
from proposals
where is_relayed and has_execution_block and mev_paid_wei = 0

union all

select chain, validator_index, day, period_seq, 'unexpected_fee_recipient', slot, null, case when is_relayed then mev_paid_wei else priority_fees_wei end,
       'paid to ' || paid_to || ', not one of the operator''s fee recipients', load_id
from proposals
where is_unexpected_fee_recipient

union all

select chain, validator_index, day, period_seq, 'relay_value_disagreement', slot, mev_claimed_wei, mev_paid_wei,
       'relays report different values or fee recipients for the same block (relays: ' || relays || ')', load_id
from proposals
where relays_disagree
