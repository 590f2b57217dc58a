"""Every validation rule of loaders/config.py, good and bad, with the message a user reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from loaders.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
SOLANA_VOTE = "CcaHc2L43ZWjwCHART3oZoJvHLAe9hzT2DJNUpBzoTN1"
ETH_PUBKEY = "0x" + "ab" * 48


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    # Messages name files relative to the working directory, as a user running `aurora` sees them.
    monkeypatch.chdir(tmp_path)


def _load(tmp_path: Path, chains=None, providers=None, operators=None):
    base_chains = yaml.safe_load((ROOT / "chains.yaml").read_text())
    base_providers = yaml.safe_load((ROOT / "providers.yaml").read_text())
    paths = {}
    for name, data in (("chains", chains or base_chains), ("providers", providers or base_providers)):
        paths[name] = tmp_path / f"{name}.yaml"
        paths[name].write_text(yaml.safe_dump(data, sort_keys=False))
    if operators is not None:
        paths["operators"] = tmp_path / "operators.yaml"
        paths["operators"].write_text(yaml.safe_dump(operators, sort_keys=False))
    return load_config(paths["chains"], paths["providers"], paths.get("operators"))


def _problems(tmp_path, **files) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, **files)
    return caught.value.problems


def _edited(name: str, edit) -> dict:
    data = yaml.safe_load((ROOT / f"{name}.yaml").read_text())
    edit(data)
    return data


def test_repository_files_are_valid():
    config = load_config(ROOT / "chains.yaml", ROOT / "providers.yaml")
    assert set(config.chains) == {"solana", "ethereum"}
    assert config.chains["solana"].decimals == 9 and config.chains["ethereum"].decimals == 18
    assert config.chains["ethereum"].consensus_factor == 10**9
    assert [p.key for p in config.providers_for("ethereum", "mev")][:2] == ["relay_flashbots", "relay_ultrasound"]
    assert config.providers_for("solana", "rewards")[0].base_url == "https://api.mainnet-beta.solana.com"
    assert config.providers_for("ethereum", "rewards")[0].base_url == "http://localhost:5052"
    assert config.providers_for("ethereum", "fees")[0].base_url == "http://localhost:8545"


def test_the_issue_example_message(tmp_path):
    providers = _edited("providers", lambda d: d["providers"]["jito_kobe"].update(requests_per_second=0))
    (problem,) = _problems(tmp_path, providers=providers)
    assert problem.startswith("providers.yaml: providers.jito_kobe.requests_per_second: must be greater than 0")
    assert problem.endswith(")") and "(line " in problem


CHAIN_CASES = [
    ("period_type", "week", "chains.solana.period_type: must be epoch or day"),
    ("decimals", 31, "chains.solana.decimals: must be at most 30"),
    ("decimals", "9", "chains.solana.decimals: must be an integer, got '9'"),
    ("slots_per_epoch", 0, "chains.solana.slots_per_epoch: must be greater than 0"),
    ("slot_seconds", -0.4, "chains.solana.slot_seconds: must be greater than 0"),
    ("finality_lag", -1, "chains.solana.finality_lag: must be at least 0"),
    ("genesis_time", "2020-03-16T14:29:00", "chains.solana.genesis_time: must carry a time zone"),
    ("genesis_time", "yesterday", "chains.solana.genesis_time: must be an ISO 8601 time"),
    ("family", "cosmos", "chains.solana.family: must be solana or ethereum"),
    ("native_symbol", "sol", "chains.solana.native_symbol: must match"),
    ("colour", "blue", "chains.solana.colour: is not a known key"),
    ("key", "solana", "chains.solana.key: is taken from the entry's name"),
]


@pytest.mark.parametrize("field,value,message", CHAIN_CASES)
def test_chain_field_rules(tmp_path, field, value, message):
    chains = _edited("chains", lambda d: d["chains"]["solana"].update({field: value}))
    problems = _problems(tmp_path, chains=chains)
    assert any(p.startswith(f"chains.yaml: {message}") for p in problems), problems


@pytest.mark.parametrize("field", ["name", "period_type", "decimals", "slots_per_epoch", "genesis_time", "finality_lag"])
def test_chain_required_fields(tmp_path, field):
    chains = _edited("chains", lambda d: d["chains"]["ethereum"].pop(field))
    problems = _problems(tmp_path, chains=chains)
    assert f"chains.yaml: chains.ethereum.{field}: is required" in problems[0]


def test_chain_cross_field_rules(tmp_path):
    def edit(d):
        d["chains"]["solana"].pop("lamports_per_signature")
        d["chains"]["ethereum"]["period_type"] = "epoch"
        d["chains"]["ethereum"]["consensus_decimals"] = 19
    problems = _problems(tmp_path, chains=_edited("chains", edit))
    text = "\n".join(problems)
    assert "chains.solana.lamports_per_signature: is required for the solana family" in text
    assert "chains.ethereum.period_type: must be day for the ethereum family" in text
    assert "chains.ethereum.consensus_decimals: must not exceed decimals" in text


def test_ethereum_needs_its_consensus_unit(tmp_path):
    def edit(d):
        d["chains"]["ethereum"].pop("consensus_unit")
        d["chains"]["ethereum"].pop("consensus_decimals")
    problems = _problems(tmp_path, chains=_edited("chains", edit))
    assert "chains.ethereum.consensus_unit: is required for the ethereum family (gwei)" in problems[0]


PROVIDER_CASES = [
    ("requests_per_second", -1, "must be greater than 0"),
    ("timeout_seconds", 0, "must be greater than 0"),
    ("retries", -1, "must be at least 0"),
    ("retries", 2.5, "must be an integer"),
    ("type", "graphql", "must be one of solana_rpc, jito, beacon, execution_rpc, relay or prices"),
    ("base_url", "kobe.mainnet.jito.network", "must be an http(s) URL"),
    ("base_url", "https://kobe.mainnet.jito.network?api-key=secret", "must be an http(s) URL without query string"),
    ("api_key_env", "my-key", "must be an environment variable name"),
    ("api_key_header", "x-api-key", "api_key_env: is required when the key has a header or parameter"),
    ("rate", 3, "is not a known key"),
]


@pytest.mark.parametrize("field,value,message", PROVIDER_CASES)
def test_provider_field_rules(tmp_path, field, value, message):
    providers = _edited("providers", lambda d: d["providers"]["jito_kobe"].update({field: value}))
    problems = _problems(tmp_path, providers=providers)
    assert any(p.startswith("providers.yaml: providers.jito_kobe") and message in p for p in problems), problems


def test_provider_key_in_header_and_param_is_ambiguous(tmp_path):
    providers = _edited("providers", lambda d: d["providers"]["coingecko"].update(api_key_param="key"))
    problems = _problems(tmp_path, providers=providers)
    assert problems[0].startswith("providers.yaml: providers.coingecko: set api_key_header or api_key_param, not both")


def test_provider_keys_must_be_snake_case(tmp_path):
    providers = _edited("providers", lambda d: d["providers"].update({"Bad-Key": d["providers"]["jito_kobe"]}))
    problems = _problems(tmp_path, providers=providers)
    assert any("providers.Bad-Key.key: must be lower_snake_case" in p for p in problems), problems


def test_duplicate_priority_is_rejected(tmp_path):
    def edit(d):
        d["mappings"].append({"chain": "solana", "role": "rewards", "provider": "jito_kobe", "priority": 1})
    problems = _problems(tmp_path, providers=_edited("providers", edit))
    assert any(
        "mappings[15].priority: priority 1 is already used by mappings[0] for solana/rewards" in p for p in problems
    ), problems


def test_unknown_chain_in_mapping_is_rejected(tmp_path):
    def edit(d):
        d["mappings"][0]["chain"] = "cosmos"
    (problem,) = _problems(tmp_path, providers=_edited("providers", edit))
    assert problem.startswith(
        "providers.yaml: mappings[0].chain: unknown chain 'cosmos' (the chains file has: ethereum, solana)"
    )


def test_unknown_provider_in_mapping_is_rejected(tmp_path):
    def edit(d):
        d["mappings"][3]["provider"] = "jito_kobe_v2"
    (problem,) = _problems(tmp_path, providers=_edited("providers", edit))
    assert problem.startswith("providers.yaml: mappings[3].provider: unknown provider 'jito_kobe_v2' (defined: ")


def test_provider_must_fit_the_role(tmp_path):
    def edit(d):
        d["mappings"][0]["provider"] = "local_beacon"  # solana rewards from a beacon node
    (problem,) = _problems(tmp_path, providers=_edited("providers", edit))
    assert "mappings[0].provider: 'local_beacon' is a beacon provider; the rewards role on solana needs solana_rpc" in problem


def test_same_provider_twice_for_a_role_is_rejected(tmp_path):
    def edit(d):
        d["mappings"].append({"chain": "ethereum", "role": "mev", "provider": "relay_titan", "priority": 9})
    (problem,) = _problems(tmp_path, providers=_edited("providers", edit))
    assert "'relay_titan' is already mapped to ethereum/mev at mappings[13]" in problem


@pytest.mark.parametrize(
    "mapping,message",
    [
        ({"chain": "solana", "role": "staking", "provider": "jito_kobe", "priority": 2}, "role: must be one of rewards, fees, mev, meta or prices"),
        ({"chain": "solana", "role": "mev", "provider": "jito_kobe", "priority": 0}, "priority: must be greater than 0"),
        ({"chain": "solana", "role": "mev", "provider": "jito_kobe"}, "priority: is required"),
    ],
)
def test_mapping_field_rules(tmp_path, mapping, message):
    problems = _problems(tmp_path, providers=_edited("providers", lambda d: d["mappings"].append(mapping)))
    assert any(f"mappings[15].{message}" in p for p in problems), problems


def test_errors_in_one_chain_do_not_cascade_into_mappings(tmp_path):
    chains = _edited("chains", lambda d: d["chains"]["solana"].update(decimals=-1))
    problems = _problems(tmp_path, chains=chains)
    assert len(problems) == 1 and "chains.solana.decimals" in problems[0]


def test_every_problem_is_reported_at_once(tmp_path):
    def edit(d):
        d["providers"]["jito_kobe"]["timeout_seconds"] = 0
        d["providers"]["local_beacon"]["retries"] = -3
        d["mappings"][0]["chain"] = "cosmos"
    problems = _problems(tmp_path, providers=_edited("providers", edit))
    assert len(problems) == 3


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    chains = tmp_path / "chains.yaml"
    chains.write_text("chains:\n  solana: [unclosed\n")
    with pytest.raises(ConfigError) as caught:
        load_config(chains, ROOT / "providers.yaml")
    assert caught.value.problems[0].startswith("chains.yaml: invalid YAML:")
    assert "line 3" in caught.value.problems[0]


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml", ROOT / "providers.yaml")
    assert caught.value.problems[0] == "nope.yaml: file not found"


def test_missing_and_unknown_sections(tmp_path):
    chains = tmp_path / "chains.yaml"
    chains.write_text("networks: {}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(chains, ROOT / "providers.yaml")
    text = "\n".join(caught.value.problems)
    assert "networks: is not a known section (expected chains)" in text
    assert "must have a top-level 'chains:' mapping" in text


def test_line_numbers_point_at_the_key(tmp_path):
    providers = tmp_path / "providers.yaml"
    text = (ROOT / "providers.yaml").read_text().replace("retries: 3", "retries: -3", 1)
    providers.write_text(text)
    expected_line = next(i for i, line in enumerate(text.splitlines(), 1) if "retries: -3" in line)
    with pytest.raises(ConfigError) as caught:
        load_config(ROOT / "chains.yaml", providers)
    assert caught.value.problems[0].endswith(f"(line {expected_line})")


# ---------------------------------------------------------------- operators.yaml
def _operators(validators):
    return {"operators": [{"key": "acme", "name": "Acme Staking", "validators": validators}]}


def test_operators_good(tmp_path):
    config = _load(tmp_path, operators=_operators({"solana": [SOLANA_VOTE], "ethereum": [12, "13", ETH_PUBKEY]}))
    assert config.tracked_validators("solana") == [SOLANA_VOTE]
    assert config.tracked_validators("ethereum") == ["12", "13", ETH_PUBKEY]
    assert config.tracked_validators("unlisted") == []


@pytest.mark.parametrize(
    "validators,message",
    [
        ({"cosmos": ["x"]}, "operators[0].validators.cosmos: unknown chain 'cosmos'"),
        ({"solana": ["not-base58-0OIl"]}, "operators[0].validators.solana[0]: must be a base58 vote account pubkey"),
        ({"ethereum": [-1]}, "operators[0].validators.ethereum[0]: a validator index must be >= 0"),
        ({"ethereum": ["0x1234"]}, "operators[0].validators.ethereum[0]: must be a validator index or a 0x-prefixed 48-byte pubkey"),
        ({"ethereum": [True]}, "operators[0].validators.ethereum[0]: must be a validator index or a 0x-prefixed 48-byte pubkey"),
    ],
)
def test_operator_validator_rules(tmp_path, validators, message):
    problems = _problems(tmp_path, operators=_operators(validators))
    assert any(p.startswith(f"operators.yaml: {message}") for p in problems), problems


def test_a_validator_belongs_to_one_operator(tmp_path):
    operators = {"operators": [
        {"key": "acme", "name": "Acme", "validators": {"ethereum": [ETH_PUBKEY]}},
        {"key": "beta", "name": "Beta", "validators": {"ethereum": [ETH_PUBKEY.upper().replace("0X", "0x")]}},
        {"key": "acme", "name": "Acme again"},
    ]}
    problems = _problems(tmp_path, operators=operators)
    text = "\n".join(problems)
    assert f"operators[1].validators.ethereum[0]: {ETH_PUBKEY} is already listed under operator 'acme'" in text
    assert "operators[2].key: 'acme' is already used by operators[0]" in text


def test_operator_needs_name(tmp_path):
    problems = _problems(tmp_path, operators={"operators": [{"key": "acme"}]})
    assert problems[0].startswith("operators.yaml: operators[0].name: is required")


def test_fee_recipients_are_checked(tmp_path):
    good = {"operators": [{"key": "acme", "name": "Acme", "fee_recipients": {"ethereum": ["0x" + "ab" * 20]}}]}
    assert _load(tmp_path, operators=good).operators[0].fee_recipients == {"ethereum": ["0x" + "ab" * 20]}
    bad = {"operators": [{"key": "acme", "name": "Acme", "fee_recipients": {"ethereum": ["0x12"], "solana": ["0x" + "ab" * 20]}}]}
    problems = _problems(tmp_path, operators=bad)
    assert any("operators[0].fee_recipients.ethereum[0]: must be a 0x-prefixed 20-byte address, got '0x12'" in p for p in problems)
    assert any("operators[0].fee_recipients.solana: fee recipients apply to the ethereum family, not solana" in p for p in problems)
