"""MEV-Boost relays' data API: the payloads each relay says it delivered."""
