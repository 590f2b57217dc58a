"""Every validation rule of loaders/config.py, good and bad, with the message a user reads."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from loaders.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
SOLANA_VOTE = "CcaHc2L43ZWjwCHART3oZoJvHLAe9hzT2DJNUpBzoTN1"
ETH_PUBKEY = "0x" + "ab" * 48
# A bad config file stops the CLI before it writes anything, even the raw datasets of a new warehouse.
pytestmark = pytest.mark.new_warehouse


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
    assert problem.startswith("providers.yaml: providers.jito_kobe.requests_per_second: must be a number from 0.001 to 10000, got 0")
    assert problem.endswith(")") and "(line " in problem


CHAIN_CASES = [
    ("period_type", "week", "chains.solana.period_type: must be epoch or day"),
    ("decimals", 31, "chains.solana.decimals: must be an integer from 0 to 30, got 31"),
    ("decimals", "9", "chains.solana.decimals: must be an integer from 0 to 30, got '9'"),
    ("slots_per_epoch", 0, "chains.solana.slots_per_epoch: must be an integer from 1 to 10000000, got 0"),
    ("slot_seconds", -0.4, "chains.solana.slot_seconds: must be a number from 0.001 to 3600, got -0.4"),
    ("finality_lag", -1, "chains.solana.finality_lag: must be an integer from 0 to 100, got -1"),
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


@pytest.mark.parametrize("solana_start,ethereum_start,expected", [
    (0, "1970-01-01", (0, "1970-01-01")),
    (10_000_000, "2099-12-31", (10_000_000, "2099-12-31")),
    (812, date(2025, 6, 1), (812, "2025-06-01")),  # an unquoted day: YAML reads a date
])
def test_start_is_an_epoch_or_a_day_by_the_chains_period(tmp_path, solana_start, ethereum_start, expected):
    def edit(d):
        d["chains"]["solana"]["start"] = solana_start
        d["chains"]["ethereum"]["start"] = ethereum_start
    config = _load(tmp_path, chains=_edited("chains", edit))
    assert (config.chains["solana"].start, config.chains["ethereum"].start.isoformat()) == expected


def test_ethereum_needs_its_consensus_unit(tmp_path):
    def edit(d):
        d["chains"]["ethereum"].pop("consensus_unit")
        d["chains"]["ethereum"].pop("consensus_decimals")
    problems = _problems(tmp_path, chains=_edited("chains", edit))
    assert "chains.ethereum.consensus_unit: is required for the ethereum family (gwei)" in problems[0]


def test_network_wide_grain_and_the_validators_kept_at_epoch_grain(tmp_path):
    config = _load(tmp_path, chains=_edited("chains", lambda d: d["chains"]["ethereum"].update(
        network_wide_grain="day", epoch_grain_validators=[0, 7, 2_147_483_647])))
    ethereum = config.chains["ethereum"]
    assert ethereum.day_grain and ethereum.epoch_grain_validators == [0, 7, 2_147_483_647]
    assert _load(tmp_path).chains["ethereum"].day_grain  # the default: network-wide lands day-grain totals
    epoch = _load(tmp_path, chains=_edited("chains", lambda d: d["chains"]["ethereum"].update(network_wide_grain="epoch")))
    assert not epoch.chains["ethereum"].day_grain


@pytest.mark.parametrize("chain,settings,message", [
    ("ethereum", {"network_wide_grain": "week"}, "chains.ethereum.network_wide_grain: must be epoch or day"),
    ("ethereum", {"network_wide_grain": "day", "epoch_grain_validators": [-1]},
     "chains.ethereum.epoch_grain_validators[0]: must be an integer from 0 to 2147483647, got -1"),
    ("ethereum", {"network_wide_grain": "day", "epoch_grain_validators": ["7"]},
     "chains.ethereum.epoch_grain_validators[0]: must be an integer from 0 to 2147483647, got '7'"),
    ("ethereum", {"network_wide_grain": "day", "epoch_grain_validators": [3, 5, 3]},
     "chains.ethereum.epoch_grain_validators: lists 3 more than once"),
    ("ethereum", {"network_wide_grain": "epoch", "epoch_grain_validators": [3]},
     "chains.ethereum.epoch_grain_validators: is for network_wide_grain: day"),
    ("ethereum", {"network_wide_grain": "day", "epoch_grain_validators": list(range(250_001))},
     "chains.ethereum.epoch_grain_validators: more than 250000 validators"),
    ("solana", {"network_wide_grain": "day"}, "chains.solana.network_wide_grain: is for the ethereum family only"),
])
def test_network_wide_grain_rules(tmp_path, chain, settings, message):
    problems = _problems(tmp_path, chains=_edited("chains", lambda d: d["chains"][chain].update(settings)))
    assert any(p.startswith(f"chains.yaml: {message}") for p in problems), problems


PROVIDER_CASES = [
    ("requests_per_second", -1, "must be a number from 0.001 to 10000, got -1"),
    ("timeout_seconds", 0, "must be a number from 0.1 to 3600, got 0"),
    ("retries", -1, "must be an integer from 0 to 100, got -1"),
    ("retries", 2.5, "must be an integer from 0 to 100, got 2.5"),
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
    providers = _edited("providers", lambda d: d["providers"].update({"Bad-Key": dict(d["providers"]["jito_kobe"])}))
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
        d["mappings"].insert(0, {"chain": "cosmos", "role": "rewards", "provider": "solana_public_rpc", "priority": 1})
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
        ({"chain": "solana", "role": "mev", "provider": "jito_kobe", "priority": 0}, "priority: must be an integer from 1 to 1000, got 0"),
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
    # The mapping moved to cosmos was solana's only rewards provider: that is a fourth problem.
    assert len(problems) == 4
    assert "chain 'solana' has no provider for the rewards role" in problems[-1]


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
        ({"ethereum": [-1]}, "operators[0].validators.ethereum[0]: must be a validator index (0 to 2147483647) or a 0x-prefixed 48-byte pubkey, got -1"),
        ({"ethereum": ["0x1234"]}, "operators[0].validators.ethereum[0]: must be a validator index (0 to 2147483647) or a 0x-prefixed 48-byte pubkey"),
        ({"ethereum": [True]}, "operators[0].validators.ethereum[0]: must be a validator index (0 to 2147483647) or a 0x-prefixed 48-byte pubkey"),
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


# ---------------------------------------------------------------- hostile files, table-driven
# Each variant edits the repository's real file as text (duplicate keys and aliases cannot be
# written through yaml.safe_dump) and names the file, the key path and message expected, and a
# marker whose line the message must point at (None: the problem is the whole file).
OPERATORS_TEXT = f"""operators:
  - key: acme
    name: Acme Staking
    validators:
      solana: [{SOLANA_VOTE}]
      ethereum: [1515282, "{ETH_PUBKEY}"]
    fee_recipients:
      ethereum: ["0x388c818ca8b9251b393131c08a736a67ccb19297"]
"""


def _base(name: str) -> str:
    return OPERATORS_TEXT if name == "operators" else (ROOT / f"{name}.yaml").read_text()


def _sub(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


def _after(marker: str, line: str):
    """Insert `line` right after the first line containing `marker`."""
    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        index = next(i for i, existing in enumerate(lines) if marker in existing)
        lines.insert(index + 1, line + "\n")
        return "".join(lines)
    return edit


def _edits(*edits):
    def edit(text: str) -> str:
        for one in edits:
            text = one(text)
        return text
    return edit


def _append(extra: str):
    return lambda text: text + extra


def _bomb(levels: int = 9) -> str:
    """The billion-laughs shape of the issue: 9 levels of 9 aliases, a few hundred bytes."""
    out = ['lol0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        out.append(f"lol{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(out) + "\n"


def _many_chains(n: int):
    return lambda text: "chains:\n" + "".join(f"  c{i}: {{family: solana}}\n" for i in range(n))


def _many_mappings(n: int):
    return lambda text: text + "".join(f"  - {{chain: solana, role: mev, provider: jito_kobe, priority: {i % 1000 + 1}}}\n" for i in range(n))


def _padded(total_bytes: int):
    return lambda text: text + "#" * (total_bytes - len(text) - 1) + "\n"


def _raw(data: bytes):
    return lambda text: data


MALFORMED = [
    # ---- chains.yaml: duplicate keys at every level
    ("chains-dup-field", "chains", _after("decimals: 9", "    decimals: 12"),
     "chains.yaml: chains.solana.decimals: duplicate key: 'decimals' is already set at line", "decimals: 12"),
    ("chains-dup-chain", "chains", _append("  solana:\n    family: solana\n"),
     "chains.yaml: chains.solana: duplicate key: 'solana' is already set at line", "  solana:\n    family: solana"),
    ("chains-dup-section", "chains", _append("chains: {}\n"), "chains.yaml: chains: duplicate key", "chains: {}"),
    ("chains-dup-flow", "chains", _after("decimals: 9", "    other: {a: 1, a: 2}"),
     "chains.yaml: chains.solana.other.a: duplicate key", "other: {a: 1, a: 2}"),
    # ---- numbers too large for their types, non-finite, out of range
    ("slots-1e30-text", "chains", _sub("slots_per_epoch: 432000", "slots_per_epoch: 1e30"),
     "chains.solana.slots_per_epoch: must be an integer from 1 to 10000000, got '1e30'", "slots_per_epoch: 1e30"),
    ("slots-1e30-float", "chains", _sub("slots_per_epoch: 432000", "slots_per_epoch: 1.0e+30"),
     "chains.solana.slots_per_epoch: must be an integer from 1 to 10000000, got 1e+30", "slots_per_epoch: 1.0e+30"),
    ("slots-huge-int", "chains", _sub("slots_per_epoch: 432000", "slots_per_epoch: " + "9" * 40),
     "chains.solana.slots_per_epoch: must be an integer from 1 to 10000000, got 9999", "slots_per_epoch: 9999"),
    ("slots-zero", "chains", _sub("slots_per_epoch: 432000", "slots_per_epoch: 0"),
     "chains.solana.slots_per_epoch: must be an integer from 1 to 10000000, got 0", "slots_per_epoch: 0"),
    ("slots-float", "chains", _sub("slots_per_epoch: 432000", "slots_per_epoch: 432000.0"),
     "chains.solana.slots_per_epoch: must be an integer from 1 to 10000000, got 432000.0", "slots_per_epoch: 432000.0"),
    ("slot-seconds-inf", "chains", _sub("slot_seconds: 0.4", "slot_seconds: .inf"),
     "chains.solana.slot_seconds: must be a finite number from 0.001 to 3600, got inf", "slot_seconds: .inf"),
    ("slot-seconds-minus-inf", "chains", _sub("slot_seconds: 0.4", "slot_seconds: -.inf"),
     "chains.solana.slot_seconds: must be a finite number from 0.001 to 3600, got -inf", "slot_seconds: -.inf"),
    ("slot-seconds-nan", "chains", _sub("slot_seconds: 0.4", "slot_seconds: .nan"),
     "chains.solana.slot_seconds: must be a finite number from 0.001 to 3600, got nan", "slot_seconds: .nan"),
    ("slot-seconds-1e30", "chains", _sub("slot_seconds: 12", "slot_seconds: 1.0e+30"),
     "chains.ethereum.slot_seconds: must be a number from 0.001 to 3600, got 1e+30", "slot_seconds: 1.0e+30"),
    ("slot-seconds-tiny", "chains", _sub("slot_seconds: 0.4", "slot_seconds: 0.0000001"),
     "chains.solana.slot_seconds: must be a number from 0.001 to 3600, got 1e-07", "slot_seconds: 0.0000001"),
    ("slot-seconds-places", "chains", _sub("slot_seconds: 0.4", "slot_seconds: 0.4000001"),
     "chains.solana.slot_seconds: must have at most 6 decimal places (what the warehouse keeps), got 0.4000001", "slot_seconds: 0.4000001"),
    ("slot-seconds-bool", "chains", _sub("slot_seconds: 0.4", "slot_seconds: yes"),
     "chains.solana.slot_seconds: must be a number from 0.001 to 3600, got True", "slot_seconds: yes"),
    ("finality-lag-2e9", "chains", _sub("finality_lag: 2 ", "finality_lag: 2000000000 "),
     "chains.solana.finality_lag: must be an integer from 0 to 100, got 2000000000", "finality_lag: 2000000000"),
    ("finality-lag-2e12", "chains", _sub("finality_lag: 1 ", "finality_lag: 2000000000000 "),
     "chains.ethereum.finality_lag: must be an integer from 0 to 100, got 2000000000000", "finality_lag: 2000000000000"),
    ("finality-lag-negative", "chains", _sub("finality_lag: 2 ", "finality_lag: -1 "),
     "chains.solana.finality_lag: must be an integer from 0 to 100, got -1", "finality_lag: -1"),
    ("decimals-31", "chains", _sub("decimals: 18", "decimals: 31"),
     "chains.ethereum.decimals: must be an integer from 0 to 30, got 31", "decimals: 31"),
    ("consensus-decimals-huge", "chains", _sub("consensus_decimals: 9", "consensus_decimals: 99999999999"),
     "chains.ethereum.consensus_decimals: must be an integer from 0 to 30, got 99999999999", "consensus_decimals: 99999999999"),
    ("vote-credits-huge", "chains", _sub("vote_credits_per_vote: 16", "vote_credits_per_vote: 5000000000"),
     "chains.solana.vote_credits_per_vote: must be an integer from 1 to 1000, got 5000000000", "vote_credits_per_vote: 5000000000"),
    ("lamports-per-signature-huge", "chains", _sub("lamports_per_signature: 5000", "lamports_per_signature: 10000000000000000000"),
     "chains.solana.lamports_per_signature: must be an integer from 1 to 1000000, got 10000000000000000000", "lamports_per_signature: 1000"),
    ("genesis-far-future", "chains", _sub('genesis_time: "2020-03-16T14:29:00Z"', 'genesis_time: "9999-03-16T14:29:00Z"'),
     "chains.solana.genesis_time: must be from 1970-01-01 to 2100-01-01", "genesis_time: \"9999"),
    ("genesis-year-10000", "chains", _sub('genesis_time: "2020-03-16T14:29:00Z"', "genesis_time: 10000-03-16T14:29:00Z"),
     "chains.solana.genesis_time: must be an ISO 8601 time", "genesis_time: 10000"),
    # ---- `start`: an epoch number on an epoch chain, a UTC day on a day chain, each in its range
    ("start-epoch-negative", "chains", _after("lamports_per_signature: 5000", "    start: -1"),
     "chains.solana.start: must be an epoch number from 0 to 10000000 (an epoch chain starts at an epoch), got -1", "start: -1"),
    ("start-epoch-huge", "chains", _after("lamports_per_signature: 5000", "    start: 99999999999999999999"),
     "chains.solana.start: must be an epoch number from 0 to 10000000 (an epoch chain starts at an epoch), got 99999999999999999999",
     "start: 9999"),
    ("start-epoch-float", "chains", _after("lamports_per_signature: 5000", "    start: 812.0"),
     "chains.solana.start: must be an epoch number from 0 to 10000000 (an epoch chain starts at an epoch), got 812.0", "start: 812.0"),
    ("start-epoch-text", "chains", _after("lamports_per_signature: 5000", '    start: "812"'),
     "chains.solana.start: must be an epoch number from 0 to 10000000 (an epoch chain starts at an epoch), got '812'", 'start: "812"'),
    ("start-epoch-given-a-day", "chains", _after("lamports_per_signature: 5000", "    start: 2025-06-01"),
     "chains.solana.start: must be an epoch number from 0 to 10000000 (an epoch chain starts at an epoch), got 2025-06-01",
     "start: 2025-06-01"),
    ("start-day-given-an-epoch", "chains", _after("price_id: ethereum", "    start: 812"),
     "chains.ethereum.start: must be a UTC day from 1970-01-01 to 2099-12-31 (a day chain starts on a day, e.g. 2025-06-01), got 812",
     "start: 812"),
    ("start-day-far-future", "chains", _after("price_id: ethereum", "    start: 2200-01-01"),
     "chains.ethereum.start: must be a UTC day from 1970-01-01 to 2099-12-31 (a day chain starts on a day, e.g. 2025-06-01), got 2200-01-01",
     "start: 2200-01-01"),
    ("start-day-with-time", "chains", _after("price_id: ethereum", "    start: 2025-06-01T00:00:00Z"),
     "chains.ethereum.start: must be a UTC day (no time of day) from 1970-01-01 to 2099-12-31", "start: 2025-06-01T"),
    ("start-day-not-a-day", "chains", _after("price_id: ethereum", '    start: "June 1st"'),
     "chains.ethereum.start: must be a UTC day from 1970-01-01 to 2099-12-31 (a day chain starts on a day, e.g. 2025-06-01), got 'June 1st'",
     'start: "June 1st"'),
    ("name-too-long", "chains", _sub("name: Solana", "name: " + "S" * 500),
     "chains.solana.name: must be at most 100 characters", "name: SSS"),
    # ---- too many entries, too large, not UTF-8, YAML tricks
    ("chains-20000", "chains", _many_chains(20_000), "chains.yaml: chains: has 20000 entries; at most 64 are allowed", "chains:"),
    ("chains-50mb", "chains", _padded(50 * 1024 * 1024), "chains.yaml: is 52428800 bytes (50.0 MiB); a config file may be at most 33554432 bytes", None),
    ("chains-latin1", "chains", lambda text: text.replace("name: Solana", "name: Solana caf\xe9").encode("latin-1"),
     "chains.yaml: is not UTF-8 text: byte 0xe9 at line", None),
    ("chains-utf16", "chains", lambda text: text.encode("utf-16"), "chains.yaml: is not UTF-8 text: byte 0xff at line 1, column 1", None),
    ("chains-nul", "chains", _sub("name: Solana", "name: Sol\x00ana"), "chains.yaml: invalid YAML: character #x0000 is not allowed", "Sol\x00ana"),
    ("chains-alias-bomb", "chains", _append(_bomb()),
     "chains.yaml: lol4[0]: aliases expand to more than 10000 values, the most a config file may hold through aliases", "lol4:"),
    ("chains-alias-bomb-in-chain", "chains", _after("  solana:", "    bomb:\n" + "".join("      " + line + "\n" for line in _bomb().splitlines()).rstrip("\n")),
     "chains.yaml: chains.solana.bomb.lol4[0]: aliases expand to more than 10000 values", "lol4:"),
    ("chains-alias-unknown", "chains", _sub("slots_per_epoch: 32", "slots_per_epoch: *spe"),
     "chains.yaml: chains.ethereum.slots_per_epoch: alias *spe refers to no anchor &spe above it", "*spe"),
    ("chains-alias-recursive", "chains", _append("loop: &loop [1, *loop]\n"), "chains.yaml: loop[1]: alias *loop is inside the value it refers to", "loop:"),
    ("chains-merge-key", "chains", _after("  ethereum:", "    <<: {decimals: 9}"), "chains.yaml: chains.ethereum: merge keys (<<) are not allowed", "<<:"),
    ("chains-python-tag", "chains", _sub("name: Solana", "name: !!python/object/apply:os.system [id]"),
     "chains.yaml: chains.solana.name: YAML tags (!!python/object/apply:os.system) are not allowed", "!!python"),
    ("chains-binary-tag", "chains", _sub("name: Solana", "name: !!binary U29sYW5h"), "chains.solana.name: YAML tags (!!binary) are not allowed", "!!binary"),
    ("chains-deep", "chains", _append("deep: " + "[" * 100 + "]" * 100 + "\n"), "nests deeper than 32 levels", "deep:"),
    ("chains-very-deep", "chains", _append("deep: " + "[" * 100_000 + "]" * 100_000 + "\n"), "chains.yaml: invalid YAML: exceeded maximum nesting depth", "deep:"),
    ("chains-two-documents", "chains", _append("---\nchains: {}\n"), "chains.yaml: holds more than one YAML document", "---"),
    ("chains-complex-key", "chains", _append("? [a, b]\n: c\n"), "chains.yaml: mapping keys must be plain values", "? [a, b]"),
    ("chains-syntax", "chains", _sub("name: Solana", "name: [Solana"), "chains.yaml: invalid YAML: ", None),
    # ---- providers.yaml
    ("providers-dup-provider", "providers", _after("providers:", "  jito_kobe: {type: jito, base_url: https://evil.example, requests_per_second: 1, timeout_seconds: 1, retries: 0}"),
     "providers.yaml: providers.jito_kobe: duplicate key: 'jito_kobe' is already set at line 9", "  jito_kobe:\n    type: jito"),
    ("providers-dup-field", "providers", _after("retries: 5", "    retries: 0"), "providers.yaml: providers.solana_public_rpc.retries: duplicate key", "    retries: 0"),
    ("providers-dup-in-mapping", "providers", _sub("{chain: solana, role: rewards,", "{chain: solana, chain: ethereum, role: rewards,"),
     "providers.yaml: mappings[0].chain: duplicate key", "chain: solana, chain: ethereum"),
    ("timeout-1e30-text", "providers", _sub("timeout_seconds: 120", "timeout_seconds: 1e30"),
     "providers.local_beacon.timeout_seconds: must be a number from 0.1 to 3600, got '1e30'", "timeout_seconds: 1e30"),
    ("timeout-1e30-float", "providers", _sub("timeout_seconds: 120", "timeout_seconds: 1.0e+30"),
     "providers.local_beacon.timeout_seconds: must be a number from 0.1 to 3600, got 1e+30", "timeout_seconds: 1.0e+30"),
    ("timeout-huge-int", "providers", _sub("timeout_seconds: 120", "timeout_seconds: " + "1" + "0" * 400),
     "providers.local_beacon.timeout_seconds: must be a number from 0.1 to 3600, got a 401-digit integer", "timeout_seconds: 1000"),
    ("timeout-inf", "providers", _sub("timeout_seconds: 120", "timeout_seconds: .inf"),
     "providers.local_beacon.timeout_seconds: must be a finite number from 0.1 to 3600, got inf", "timeout_seconds: .inf"),
    ("retries-1e9", "providers", _sub("retries: 3", "retries: 1000000000"),
     "providers.local_beacon.retries: must be an integer from 0 to 100, got 1000000000", "retries: 1000000000"),
    ("rps-nan", "providers", _sub("requests_per_second: 50", "requests_per_second: .nan"),
     "providers.local_beacon.requests_per_second: must be a finite number from 0.001 to 10000, got nan", "requests_per_second: .nan"),
    ("rps-tiny", "providers", _sub("requests_per_second: 50", "requests_per_second: 0.00001"),
     "providers.local_beacon.requests_per_second: must be a number from 0.001 to 10000, got 1e-05", "requests_per_second: 0.00001"),
    ("rps-places", "providers", _sub("requests_per_second: 50", "requests_per_second: 0.12345"),
     "providers.local_beacon.requests_per_second: must have at most 4 decimal places", "requests_per_second: 0.12345"),
    ("no-rewards-mapping", "providers", _sub("  - {chain: solana, role: rewards, provider: solana_public_rpc, priority: 1}\n", ""),
     "providers.yaml: mappings: chain 'solana' has no provider for the rewards role", "mappings:"),
    ("no-ethereum-rewards", "providers", _sub("  - {chain: ethereum, role: rewards, provider: local_beacon, priority: 1}\n", ""),
     "providers.yaml: mappings: chain 'ethereum' has no provider for the rewards role", "mappings:"),
    ("no-solana-fees", "providers", _sub("  - {chain: solana, role: fees, provider: solana_public_rpc, priority: 1}\n", ""),
     "providers.yaml: mappings: chain 'solana' has no provider for the fees role", "mappings:"),
    ("priority-huge", "providers", _sub("provider: relay_titan, priority: 6}", "provider: relay_titan, priority: 100000000000}"),
     "providers.yaml: mappings[13].priority: must be an integer from 1 to 1000, got 100000000000", "priority: 100000000000"),
    ("priority-float", "providers", _sub("provider: relay_titan, priority: 6}", "provider: relay_titan, priority: 6.5}"),
     "providers.yaml: mappings[13].priority: must be an integer from 1 to 1000, got 6.5", "priority: 6.5"),
    ("header-with-space", "providers", _sub("api_key_header: x-cg-demo-api-key", "api_key_header: x cg key"),
     "providers.coingecko.api_key_header: must match", "api_key_header: x cg key"),
    ("base-url-3000", "providers", _sub("base_url: https://kobe.mainnet.jito.network", "base_url: https://kobe.mainnet.jito.network/" + "a" * 3000),
     "providers.jito_kobe.base_url: must be at most 2048 characters", "base_url: https://kobe"),
    ("mappings-5000", "providers", _many_mappings(5000), "providers.yaml: mappings: has 5015 mappings; at most 4096 are allowed", "mappings:"),
    ("providers-alias-bad-value", "providers", _edits(_sub("timeout_seconds: 120", "timeout_seconds: &t 1.0e+30"), _sub("timeout_seconds: 60", "timeout_seconds: *t")),
     "providers.local_execution.timeout_seconds: must be a number from 0.1 to 3600, got 1e+30", "*t"),
    ("providers-alias-bomb", "providers", _append(_bomb()), "providers.yaml: lol4[0]: aliases expand to more than 10000 values", "lol4:"),
    ("providers-not-utf8", "providers", _raw(b"providers:\n  jito_kobe:\n    type: jito\n    base_url: https://k\xff\n"),
     "providers.yaml: is not UTF-8 text: byte 0xff at line 4, column 24", None),
    # ---- operators.yaml
    ("eth-index-2e63", "operators", _sub("ethereum: [1515282,", f"ethereum: [{2**63},"),
     f"operators.yaml: operators[0].validators.ethereum[0]: must be a validator index (0 to 2147483647) or a 0x-prefixed 48-byte pubkey, got {2**63}", "ethereum: [9223"),
    ("eth-index-1e30", "operators", _sub("ethereum: [1515282,", f"ethereum: [{10**30},"),
     "operators[0].validators.ethereum[0]: must be a validator index (0 to 2147483647)", "ethereum: [1000"),
    ("eth-index-text-huge", "operators", _sub("ethereum: [1515282,", 'ethereum: ["99999999999999",'),
     "operators[0].validators.ethereum[0]: must be a validator index (0 to 2147483647) or a 0x-prefixed 48-byte pubkey, got '99999999999999'", "99999999999999"),
    ("eth-index-leading-zero", "operators", _sub("ethereum: [1515282,", 'ethereum: ["0007",'),
     "operators[0].validators.ethereum[0]: a validator index has no leading zeros, got '0007'", '"0007"'),
    ("eth-index-float", "operators", _sub("ethereum: [1515282,", "ethereum: [1515282.5,"),
     "operators[0].validators.ethereum[0]: must be a validator index (0 to 2147483647) or a 0x-prefixed 48-byte pubkey, got 1515282.5", "1515282.5"),
    ("solana-key-too-long", "operators", _sub(f"solana: [{SOLANA_VOTE}]", "solana: [" + "z" * 44 + "]"),
     "operators[0].validators.solana[0]: must be a base58 vote account pubkey (32 bytes)", "zzzz"),
    ("operators-dup-key", "operators", _after("name: Acme Staking", "    name: Acme Again"),
     "operators.yaml: operators[0].name: duplicate key: 'name' is already set at line 3", "name: Acme Again"),
    ("operators-dup-chain", "operators", _after("      ethereum: [1515282", "      solana: []"),
     "operators.yaml: operators[0].validators.solana: duplicate key", "      solana: []"),
    ("operators-2000", "operators", lambda text: "operators:\n" + "".join(f"  - {{key: o{i}, name: O}}\n" for i in range(2000)),
     "operators.yaml: operators: has 2000 operators; at most 1024 are allowed", "operators:"),
    ("fee-recipients-2000", "operators", _sub('ethereum: ["0x388c818ca8b9251b393131c08a736a67ccb19297"]', "ethereum: [" + ", ".join(['"0x' + "ab" * 20 + '"'] * 2000) + "]"),
     "operators.yaml: operators[0].fee_recipients.ethereum: has 2000 addresses; at most 1000 are allowed", '["0xabab'),
    ("operators-alias-bomb", "operators", _append(_bomb()), "operators.yaml: lol4[0]: aliases expand to more than 10000 values", "lol4:"),
    ("operators-alias-bomb-nested", "operators", _sub("    name: Acme Staking", "    name: Acme Staking\n    notes:\n" + "".join("      " + line + "\n" for line in _bomb().splitlines())),
     "operators.yaml: operators[0].notes.lol4[0]: aliases expand to more than 10000 values", "lol4:"),
    ("operators-not-utf8", "operators", lambda text: text.replace("Acme Staking", "Acm\xe9").encode("cp1252"),
     "operators.yaml: is not UTF-8 text: byte 0xe9 at line 3, column 14", None),
]

PROBLEM_SHAPE = re.compile(r"^(chains|providers|operators)\.yaml: (\S+: )?\S.*$", re.S)


def _write_variant(tmp_path: Path, name: str, edit) -> dict[str, Path]:
    paths = {}
    for file in ("chains", "providers", "operators"):
        content = edit(_base(file)) if file == name else _base(file)
        paths[file] = tmp_path / f"{file}.yaml"
        if isinstance(content, bytes):
            paths[file].write_bytes(content)
        else:
            paths[file].write_text(content)
    return paths





def test_anchors_and_aliases_within_the_budget_are_read_as_copies(tmp_path):
    """yaml.safe_dump writes anchors for repeated values: such files must keep working."""
    shared = ["0x" + "ab" * 20]
    operators = {"operators": [
        {"key": "a", "name": "A", "fee_recipients": {"ethereum": shared}},
        {"key": "b", "name": "B", "fee_recipients": {"ethereum": shared}},
    ]}
    text = yaml.safe_dump(operators)
    assert "&id001" in text and "*id001" in text
    config = _load(tmp_path, operators=operators)
    assert [o.fee_recipients for o in config.operators] == [{"ethereum": shared}, {"ethereum": shared}]
    # A value reached through an alias is checked (and located) like any other.
    providers = tmp_path / "providers.yaml"
    providers.write_text((ROOT / "providers.yaml").read_text()
                         .replace("timeout_seconds: 120", "timeout_seconds: &slow 120")
                         .replace("timeout_seconds: 60", "timeout_seconds: *slow"))
    config = load_config(ROOT / "chains.yaml", providers)
    assert config.providers["local_execution"].timeout_seconds == 120


def test_the_base_files_of_the_table_are_valid(tmp_path):
    paths = _write_variant(tmp_path, "none", None)
    config = load_config(paths["chains"], paths["providers"], paths["operators"])
    assert config.tracked_validators("ethereum") == ["1515282", ETH_PUBKEY]


@pytest.mark.parametrize("case,file,edit,message,marker", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_files_are_refused_with_file_key_and_line(tmp_path, case, file, edit, message, marker):
    paths = _write_variant(tmp_path, file, edit)
    with pytest.raises(ConfigError) as caught:
        load_config(paths["chains"], paths["providers"], paths["operators"])
    problems = caught.value.problems
    assert all(PROBLEM_SHAPE.match(p) for p in problems), problems
    matching = [p for p in problems if message in p]
    assert matching, problems
    line = _line_of_marker(paths[file], marker)
    if line is not None:
        assert matching[0].endswith(f"(line {line})") or f"(line {line}," in matching[0], (matching[0], line)


def _line_of_marker(path: Path, marker: str | None) -> int | None:
    if marker is None:
        return None
    text = path.read_bytes().decode("utf-8", errors="replace")
    # A marker spanning lines ("  solana:\n    family") points at its first line; the last match
    # is the one a duplicate adds.
    return text[: text.rindex(marker)].count("\n") + 1


@pytest.mark.parametrize("case,file,edit,message,marker", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_files_stop_the_cli_before_the_warehouse(module_warehouse, tmp_path, monkeypatch, case, file, edit, message, marker):
    """`aurora config check` and `aurora registry load` exit 2 with the message; nothing is written."""
    import os

    monkeypatch.delenv("AURORA_PIPELINES_DIR", raising=False)  # the user's setting must not matter

    from typer.testing import CliRunner

    from loaders.cli import app
    from tests.support.db import query

    paths = _write_variant(tmp_path, file, edit)
    options = ["--chains", str(paths["chains"]), "--providers", str(paths["providers"]), "--operators", str(paths["operators"])]
    for command in (["config", "check"], ["registry", "load"]):
        result = CliRunner().invoke(app, [*options, *command])
        assert result.exit_code == 2, (command, result.output)
        assert message in result.stderr, result.stderr
        assert "Traceback" not in result.output
    schemas = query(module_warehouse, """
        select schema_name from information_schema.schemata
        where schema_name not in ('public', 'information_schema') and schema_name not like 'pg\\_%'""")
    assert schemas == []
    assert not (Path(os.environ["AURORA_HOME"]) / "dlt").exists()
