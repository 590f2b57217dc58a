"""The beacon node API: validators, balances, rewards, duties and blocks."""
