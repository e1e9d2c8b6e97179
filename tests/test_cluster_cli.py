"""`matcher clusters`, `matcher verify` of clusters, and `matcher plan` forming clusters first."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner

from matcher.cli import main

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def clustered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clusters")
    code, output = run("clusters", str(SAMPLE), "--out", str(out), "--time-limit", "5")
    assert code == 0, output
    assert "clusters" in output and "wrote" in output  # the summary on stderr
    return out


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_writes_clusters_rotation_and_summary(clustered: Path) -> None:
    members = rows(clustered / "clusters.csv")
    assert set(members[0]) == {
        "cluster_id",
        "school_id",
        "hub",
        "size",
        "max_travel_minutes",
        "pinned",
    }
    arcs = rows(clustered / "rotation.csv")
    assert set(arcs[0]) == {"cluster_id", "reviewing_school_id", "host_school_id"}
    assert len(arcs) == len(members)  # every school reviews exactly once
    summary = json.loads((clustered / "clusters_summary.json").read_text())
    assert {"bound", "gap", "left_out", "clusters", "terms"} <= set(summary)
    assert summary["bound"] <= summary["objective"]


def test_outputs_carry_no_school_names(clustered: Path) -> None:
    names = [r["name"] for r in rows(SAMPLE / "schools.csv")]
    written = "".join(p.read_text() for p in clustered.iterdir())
    assert not any(name in written for name in names)


def test_verify_accepts_the_clusters(clustered: Path) -> None:
    code, output = run("verify", str(SAMPLE), str(clustered))
    assert code == 0, output
    assert "no cluster rule broken" in output


def test_verify_finds_a_cluster_that_breaks_a_rule(clustered: Path, tmp_path: Path) -> None:
    shutil.copytree(clustered, tmp_path / "edited")
    path = tmp_path / "edited" / "clusters.csv"
    members = rows(path)
    # Move one school into another cluster: both clusters now have the wrong size or rotation.
    members[0]["cluster_id"] = members[-1]["cluster_id"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(members[0]))
        writer.writeheader()
        writer.writerows(members)
    code, output = run("verify", str(SAMPLE), str(tmp_path / "edited"))
    assert code == 1
    assert "[rotation]" in output or "[size]" in output


def test_same_seed_gives_identical_clusters(clustered: Path, tmp_path: Path) -> None:
    code, _ = run("clusters", str(SAMPLE), "--out", str(tmp_path), "--time-limit", "5", "--quiet")
    assert code == 0
    for name in ("clusters.csv", "rotation.csv"):
        assert (tmp_path / name).read_bytes() == (clustered / name).read_bytes()


def with_settings(tmp_path: Path, text: str) -> Path:
    """A copy of the sample with the settings of ``text`` (TOML) in its round.toml: its own
    ``[clusters]`` replaced whole, other sections merged key by key."""
    copy = tmp_path / "round"
    shutil.copytree(SAMPLE, copy)
    path = copy / "round.toml"
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    for section, values in tomllib.loads(text).items():
        if section == "clusters":
            document[section] = values
        else:
            document.setdefault(section, {}).update(values)
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return copy


def test_sizes_out_of_order_are_bad_input(tmp_path: Path) -> None:
    copy = with_settings(tmp_path, "[clusters]\nmin_size = 5\nmax_size = 4\n")
    code, output = run("clusters", str(copy), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "setting clusters: expected min_size (5) not above max_size (4)" in output
    assert not (tmp_path / "out").exists()


def test_plan_forms_clusters_first_and_matches_within_them(tmp_path: Path) -> None:
    copy = with_settings(tmp_path, '[clusters]\nform = true\ncluster_scope = "within"\n')
    out = tmp_path / "out"
    code, output = run("plan", str(copy), "--out", str(out), "--time-limit", "5")
    assert code == 0, output
    staffing = json.loads((out / "summary.json").read_text())["cluster_staffing"]
    assert (
        f"Staffed {staffing['staffed_within_clusters']} of 26 within clusters; "
        f"{staffing['staffed_without_clusters']} without clusters"
    ) in output
    assert (out / "clusters.csv").exists() and (out / "pairings.csv").exists()
    cluster_of = {r["school_id"]: r["cluster_id"] for r in rows(out / "clusters.csv")}
    for pairing in rows(out / "pairings.csv"):
        assert cluster_of[pairing["staff_school_id"]] == cluster_of[pairing["host_school_id"]]
    assert "clusters" in json.loads((out / "summary.json").read_text())
    code, output = run("verify", str(copy), str(out))
    assert code == 0, output
