"""Fingerprint what the product writes, to show a change that should alter nothing alters nothing.

Runs ``matcher plan`` on the bundled sample and on three generated cohorts (alliance, 300 and
2,000 schools), and ``matcher bench gap`` / ``bench pmedcap`` on a few shared instances, then
prints one JSON object: a SHA-256 per written file and the benchmark figures (objective, bound,
status). Limits are counted as solver work, so the figures repeat on any machine load.

Run times differ run to run by nature: run.json and clusters_run.json, which hold nothing
else, are left out, and fields that carry them (``*seconds*``) in other JSON files (written
before run times had files of their own) are dropped before hashing; nothing else is.

Usage::

    python benchmarks/same_outputs.py > before.json        # on the old revision
    python benchmarks/same_outputs.py > after.json         # on the new one
    python benchmarks/same_outputs.py --compare before.json after.json

``--repo PATH`` runs the code of another checkout (a ``git worktree`` of the old revision) with
this environment's packages, so both sides are measured on one machine in one sitting.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
SHARED = HERE.parent / "shared" / "benchmarks"  # ``--shared`` for a checkout elsewhere

# (name, generate options or None for the bundled sample, plan time limit in work-seconds)
PLANS: tuple[tuple[str, list[str] | None, float], ...] = (
    ("sample", None, 10.0),
    ("alliance", ["--size", "alliance", "--seed", "1"], 10.0),
    ("la-300", ["--size", "la", "--seed", "1"], 20.0),
    ("region-2000", ["--size", "region", "--seed", "1"], 40.0),
)
GAP_FILES = ("cattrysse1994/gap1-0", "cattrysse1994/gap12-4", "chu1997/a05100", "chu1997/d05100")
PMEDCAP_FILES = ("pmedcap01.txt", "pmedcap06.txt", "pmedcap10.txt")
BENCH_LIMIT = 5.0
RUN_FILES = ("run.json", "clusters_run.json")  # run times alone (matcher.io.run_times)


def _without_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_timings(item)
            for key, item in value.items()
            if "seconds" not in key and key != "wall_time"
        }
    if isinstance(value, list):
        return [_without_timings(item) for item in value]
    return value


def _digest(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".json":
        data = json.dumps(_without_timings(json.loads(data)), sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def _matcher(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(repo))
    command = [sys.executable, "-m", "matcher", *args]
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)


def _plans(repo: Path, work: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, generate, limit in PLANS:
        source = repo / "data" / "samples" / "alliance"
        if generate is not None:
            source = work / f"{name}-input"
            made = _matcher(repo, "generate", str(source), *generate)
            if made.returncode != 0:
                raise SystemExit(f"generate {name} failed: {made.stderr}")
        target = work / name
        done = _matcher(repo, "plan", str(source), "--out", str(target), "--quiet",
                        "--time-limit", str(limit), "--gap", "0.01")
        files = sorted(p for p in target.rglob("*") if p.is_file() and p.name not in RUN_FILES)
        out[name] = {
            "exit": done.returncode,
            "files": {str(p.relative_to(target)): _digest(p) for p in files},
        }
    return out


def _bench(repo: Path, suite: str, files: list[Path]) -> dict[str, Any]:
    present = [str(f) for f in files if f.exists()]
    if not present:
        return {"skipped": "instances not found beside the repository"}
    done = _matcher(repo, "bench", suite, *present, "--time-limit", str(BENCH_LIMIT), "--json",
                    "--out", tempfile.mkdtemp())
    rows: dict[str, Any] = {}
    listing = done.stdout[done.stdout.find("[") :] if "[" in done.stdout else "[]"
    for row in json.loads(listing):
        rows[row["instance"]] = {k: row.get(k) for k in ("objective", "bound", "status")}
    if not rows:
        raise SystemExit(f"bench {suite} printed no results: {done.stderr[-2000:]}")
    return rows


def fingerprint(repo: Path, shared: Path = SHARED) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        return {
            "plans": _plans(repo, work),
            "gap": _bench(repo, "gap", [shared / "gap" / "instances" / f for f in GAP_FILES]),
            "pmedcap": _bench(repo, "pmedcap",
                              [shared / "pmedcap" / "instances" / f for f in PMEDCAP_FILES]),
        }


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    differences: list[str] = []

    def walk(a: Any, b: Any, where: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk(a.get(key), b.get(key), f"{where}/{key}")
        elif a != b:
            differences.append(f"{where}: {a!r} -> {b!r}")

    walk(before, after, "")
    return differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=HERE, help="checkout whose code to run")
    parser.add_argument("--shared", type=Path, default=SHARED, help="../shared/benchmarks")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(p.read_text()) for p in args.compare)
        differences = compare(before, after)
        for line in differences:
            print(line)
        print("identical" if not differences else f"{len(differences)} differences")
        return 1 if differences else 0
    print(json.dumps(fingerprint(args.repo.resolve(), args.shared.resolve()), indent=1,
    sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
