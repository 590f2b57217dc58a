"""What a build costs: nothing new, one new period, a full rebuild, against the simulated network.

Importable (bench/pipeline_bench.py calls these) and runnable:

    python bench/build_cases.py                              # the issue-10 build ratios, Solana
    python bench/build_cases.py --periods 15,60 --validators 12,48

A case is a warehouse of its own (an embedded Postgres under a fresh AURORA_HOME) loaded from a
SimNetwork served in this process with `aurora run --no-build` (real loads, real HTTP), then
timed with `aurora build` run as a subprocess, as a scheduler runs it: the times include Python
and dbt start-up (measured alone by `fixed_startup`: a build of one registry view).

Solana epochs are 32 slots here (the simnet's smallest) so history is cheap to load; every
simulated validator is tracked, so `validators` scales the rows of every model.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simnet.network import NetworkSpec, SimNetwork  # noqa: E402
from simnet.solana.model import SolanaParams  # noqa: E402

SLOTS_PER_EPOCH = 32


@dataclass
class Loaded:
    """A warehouse with `periods` Solana epochs of `validators` validators loaded and built once."""

    net: SimNetwork
    home: Path
    paths: dict[str, Path]
    periods: int
    validators: int
    log: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("AURORA_DATABASE_URL",)}
        env.update({"AURORA_HOME": str(self.home), "AURORA_HTTP_BACKOFF_SECONDS": "0.01"})
        return env

    def aurora(self, *args: str) -> float:
        """Run the CLI in a subprocess; seconds of wall time. Raises on a non-zero exit."""
        command = [sys.executable, "-m", "loaders.cli", "--chains", str(self.paths["chains"]),
                   "--providers", str(self.paths["providers"]), "--operators", str(self.paths["operators"]), *args]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=self.env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        self.log.append(f"$ aurora {' '.join(args)}  # {seconds:.1f} s, exit {done.returncode}")
        if done.returncode != 0:
            raise RuntimeError(f"aurora {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return seconds

    def load(self, first: int, last: int) -> float:
        return self.aurora("run", "--chain", "solana", "--from-epoch", str(first), "--to-epoch", str(last), "--no-build")

    def build(self, *args: str) -> float:
        seconds = self.aurora("build", *args)
        keep = os.environ.get("BUILD_CASES_RESULTS")  # a directory: keep dbt's run_results.json of each build
        results = self.home / "dbt" / "target" / "run_results.json"
        if keep and results.exists():
            Path(keep).mkdir(parents=True, exist_ok=True)
            name = f"{self.validators}v-{self.periods}p-{len(self.log)}-{'_'.join(a.strip('-') for a in args) or 'build'}.json"
            shutil.copy(results, Path(keep) / name)
        return seconds

    def advance(self, epochs: int = 1) -> None:
        self.net.solana.advance(epochs * SLOTS_PER_EPOCH)


@contextmanager
def solana_history(periods: int, validators: int = 12, workdir: Path | None = None) -> Iterator[Loaded]:
    """A warehouse holding epochs 0..periods-1 (the network's head a third into epoch
    `periods`, so the last loaded epoch is inside the finality lag, as in production), built once."""
    base = Path(tempfile.mkdtemp(prefix="aurora-buildbench-", dir=workdir))
    params = SolanaParams(validators=validators, slots_per_epoch=SLOTS_PER_EPOCH,
                          head_slot=periods * SLOTS_PER_EPOCH + SLOTS_PER_EPOCH // 3)
    try:
        with SimNetwork(NetworkSpec(ethereum=None, solana=params)) as net:
            paths = net.write_config(base / "config", timeout_seconds=5.0, retries=4)
            votes = [v.vote for v in net.solana.validators]
            paths["operators"] = base / "config" / "operators.yaml"
            paths["operators"].write_text(yaml.safe_dump({"operators": [
                {"key": "bench", "name": "Bench Staking", "validators": {"solana": votes}}]}))
            loaded = Loaded(net, base / "home", paths, periods, validators)
            loaded.load(0, periods - 1)
            loaded.build()
            yield loaded
    finally:
        _stop_embedded(base / "home")
        shutil.rmtree(base, ignore_errors=True)


def _stop_embedded(home: Path) -> None:
    env = {**os.environ, "AURORA_HOME": str(home)}
    env.pop("AURORA_DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", "from loaders import warehouse as w; w.stop_embedded()"],
                   cwd=ROOT, env=env, capture_output=True)


# ---------------------------------------------------------------- the timed cases
def fixed_startup(loaded: Loaded) -> float:
    """`aurora build` of one registry view: Python, the lock, dbt's parse and hooks."""
    return loaded.build("--select", "stg_registry__chains")


def nothing_new(loaded: Loaded) -> float:
    """A whole build right after a whole build, no load in between (dbt is not run: it has
    nothing to do; a `--select` build in between would make it run)."""
    return loaded.build()


def one_new_period(loaded: Loaded) -> float:
    """The network moves one epoch on; the next epoch is loaded (not timed), then built (timed)."""
    loaded.advance(1)
    loaded.load(loaded.periods, loaded.periods)
    loaded.periods += 1
    return loaded.build()


def full_refresh(loaded: Loaded) -> float:
    return loaded.build("--full-refresh")


def measure(periods: int, validators: int = 12, cases=("nothing_new", "one_new_period", "startup", "full_refresh")) -> dict[str, float]:
    """Seconds per case on one warehouse of `periods` epochs (cases run in the order given:
    nothing_new and one_new_period right after whole builds, as a schedule runs them, before the
    start-up case's partial build, after which a build neither skips nor tests by period)."""
    funcs = {"startup": fixed_startup, "nothing_new": nothing_new, "one_new_period": one_new_period, "full_refresh": full_refresh}
    out: dict[str, float] = {}
    with solana_history(periods, validators) as loaded:
        loaded.build("--force")  # a second whole build after the history build settles statistics and indexes
        for case in cases:
            out[case] = funcs[case](loaded)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--periods", default="15,30,60", help="history lengths, epochs")
    parser.add_argument("--validators", default="12,48", help="validator counts: every history at the first, the shortest at the others")
    args = parser.parse_args(argv)
    rows = []
    validators = [int(x) for x in args.validators.split(",")]
    periods = [int(x) for x in args.periods.split(",")]
    for v in validators:
        for p in periods if v == validators[0] else periods[:1]:  # more validators: the shortest history only
            result = measure(p, v)
            rows.append((p, v, result))
            print(f"periods={p} validators={v} " + " ".join(f"{k}={s:.1f}s" for k, s in result.items()), flush=True)
    by = {(p, v): r for p, v, r in rows}
    print("\nratios:")
    ps = sorted({p for p, _, _ in rows})
    vs = sorted({v for _, v, _ in rows})
    if len(ps) >= 2:
        lo, hi = ps[0], ps[-1]
        print(f"  one new period, {hi} vs {lo} periods: {by[(hi, vs[0])]['one_new_period'] / by[(lo, vs[0])]['one_new_period']:.2f}")
    if 30 in ps:
        print(f"  one new period / 30-period full rebuild: {by[(30, vs[0])]['one_new_period'] / by[(30, vs[0])]['full_refresh']:.3f}")
    if len(vs) >= 2:
        print(f"  one new period, {vs[-1]} vs {vs[0]} validators: {by[(ps[0], vs[-1])]['one_new_period'] / by[(ps[0], vs[0])]['one_new_period']:.2f}")
    for (p, v), r in by.items():
        print(f"  nothing new minus start-up ({p} periods, {v} validators): {r['nothing_new'] - r['startup']:.1f} s")


if __name__ == "__main__":
    main()
