-- The lineage of every number (marts.fct_pnl_lineage) is each source row's response_id joined to
-- the archived responses. The view's inner join drops a source row whose response is missing, so
-- a test on the view's own columns cannot see the loss (a not_null on its response_id was vacuous:
-- the join never matches a null, and its plan scanned execution_transactions once per relayed
-- proposal). This checks the join's inputs instead: every response a source row names is archived.
-- One anti-join of the source rows against the responses, each table read once; the same join
-- as the view's (on response_id alone, both chains' archives together). A row without a response_id is not checked
-- (the columns are nullable in raw; such a row has no lineage to lose).
with

sources as (

    select response_id from {{ ref('stg_solana__inflation_rewards') }}
    union all
    select response_id from {{ ref('stg_solana__blocks') }}
    union all
    select response_id from {{ ref('stg_jito__validators') }}
    union all
    select response_id from {{ ref('stg_solana__epoch_credits') }}
    union all
    select response_id from {{ ref('stg_ethereum__attestation_rewards') }}
    union all
    select response_id from {{ ref('stg_ethereum__attestation_rewards_daily_batches') }}
    union all
    select response_id from {{ ref('stg_ethereum__block_rewards') }}
    union all
    select response_id from {{ ref('stg_ethereum__sync_committee_rewards') }}
    union all
    select response_id from {{ ref('stg_ethereum__execution_transactions') }}
    union all
    select block_response_id from {{ ref('stg_ethereum__execution_transactions') }}
    union all
    select response_id from {{ ref('stg_ethereum__relay_payloads') }}

),

responses as (

    select response_id from {{ ref('stg_solana__http_responses') }}
    union all
    select response_id from {{ ref('stg_ethereum__http_responses') }}

)

select distinct sources.response_id
from sources
where sources.response_id is not null
  and not exists (select 1 from responses where responses.response_id = sources.response_id)
