select
    operator,
    display_name

from {{ ref('stg_registry__operators') }}
