"""Clusters formed knowing their projects (cluster_scope = "within"): the staffing terms.

A cluster is priced by the reviewers its projects lack inside it (docs/clusters.md), then
repaired by matching inside it. The brute force below prices every partition from those
words alone, with its own count of who could serve whom.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from cluster_regions import place
from conftest import project, settings, staff
from test_partition import partitions

import matcher
from matcher.model import ClusterSettings, Round, School
from solvers.clusters.encode import encode_clusters
from solvers.clusters.partition import solve_partition
from solvers.engine.budget import Budget
from solvers.engine.options import SolveOptions

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"
AREAS = ("oracy", "reading", "maths")
PENALTY = 300


def staffed_region(count: int, seed: int, **cluster_settings: object) -> Round:
    """``count`` schools within a few km, one project each in a random area, and two
    reviewers at random schools with random areas per school."""
    rng = random.Random(seed)
    schools: list[School] = [
        place(f"S{k}", rng.uniform(0, 8), rng.uniform(0, 8)) for k in range(count)
    ]
    people = [
        staff(f"R{k}", schools[rng.randrange(count)].school_id, specialisms={rng.choice(AREAS)})
        for k in range(2 * count)
    ]
    projects = [
        project(f"P{k}", s.school_id, area=rng.choice(AREAS)) for k, s in enumerate(schools)
    ]
    chosen = ClusterSettings.model_validate(
        {"max_travel_minutes": 120, "staffing_penalty": PENALTY, **cluster_settings}
    )
    return Round(
        settings=settings().model_copy(update={"clusters": chosen}),
        schools=tuple(schools),
        staff=tuple(people),
        projects=tuple(projects),
    )


def price(round_: Round, group: tuple[int, ...]) -> int:
    """Travel between every two schools, plus the staffing term, from the rules' words."""
    ids = [s.school_id for s in round_.schools]
    travel = sum(
        max(round_.travel_minutes(ids[a], ids[b]), round_.travel_minutes(ids[b], ids[a]))
        for a, b in itertools.combinations(group, 2)
    )
    inside = {ids[i] for i in group}
    short = 0
    for p in round_.projects:
        if p.host_school_id not in inside:
            continue
        able = [
            r
            for r in round_.staff
            if r.school_id in inside and r.school_id != p.host_school_id and p.area in r.specialisms
        ]
        short += max(0, p.min_reviewers - len(able))
    return travel + PENALTY * short


@pytest.mark.parametrize("seed", [1, 2])
def test_clusters_priced_by_staffing_equal_brute_force(seed: int) -> None:
    round_ = staffed_region(8, seed, cluster_scope="within")
    best = min(sum(price(round_, g) for g in p) for p in partitions(list(range(8)), 3, 4))
    solution = solve_partition(encode_clusters(round_), Budget(20), options=SolveOptions(seed=0))
    assert solution.objective == best
    assert solution.bound == best  # the pricing stays exact with the staffing terms
    assert sorted(s for c in solution.clusters for s in c) == list(range(8))


def test_not_priced_when_matching_is_not_kept_inside() -> None:
    assert encode_clusters(staffed_region(6, 1, cluster_scope="any")).demands is None
    assert encode_clusters(staffed_region(6, 1, cluster_scope="within")).demands is not None
    off = staffed_region(6, 1, cluster_scope="within", staffing_penalty=0)
    assert encode_clusters(off).demands is None


def two_pairs_of_towns() -> Round:
    """A1 A2 A3 sit 1 km apart; B1 B2 B3 likewise, 4 km east. A1's oracy project can only be
    staffed from B1 (the one oracy reviewer); everyone else reads. On travel alone the towns
    make the clusters; knowing the projects, A1 and B1 share one."""
    schools = [place(f"A{k}", k) for k in (1, 2, 3)] + [place(f"B{k}", 4 + k) for k in (1, 2, 3)]
    people = [staff("OB1", "B1", specialisms={"oracy"})]
    people += [
        staff(f"R{s.school_id}", s.school_id, specialisms={"reading"})
        for s in schools
        if s.school_id != "B1"
    ]
    projects = [project("PA1", "A1", area="oracy")]
    projects += [
        project(f"P{s.school_id}", s.school_id, area="reading")
        for s in schools
        if s.school_id != "A1"
    ]
    return Round(
        settings=settings().model_copy(
            update={"clusters": ClusterSettings(form=True, cluster_scope="within")}
        ),
        schools=tuple(schools),
        staff=tuple(people),
        projects=tuple(projects),
    )


def together(outcome: matcher.ClusterOutcome, a: str, b: str) -> bool:
    return any({a, b} <= set(members) for members in outcome.plan.clusters().values())


def test_forbidden_travel_alone_splits_a_project_from_its_only_reviewer() -> None:
    round_ = two_pairs_of_towns()
    blind = round_.settings.clusters.model_copy(update={"staffing_penalty": 0})
    outcome = matcher.form_clusters(
        round_.replace(settings=round_.settings.model_copy(update={"clusters": blind})),
        time_limit=10,
    )
    assert not together(outcome, "A1", "B1")


def test_allowed_knowing_the_projects_puts_them_in_one_cluster() -> None:
    outcome = matcher.form_clusters(two_pairs_of_towns(), time_limit=10)
    assert together(outcome, "A1", "B1")
    terms = outcome.result.terms
    assert terms["staffing"].value == sum(s.staffing_shortfall for s in outcome.stats)
    assert sum(t.contribution for t in terms.values()) == outcome.result.objective


def _sample_with(tmp_path: Path, *, cycle: bool = False) -> Round:
    """The sample with its clusters formed (and, with ``cycle``, as a review cycle)."""
    folder = tmp_path / "round"
    folder.mkdir()
    for path in SAMPLE.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    toml = (folder / "round.toml").read_text(encoding="utf-8")
    toml = toml.replace("form = false", "form = true")
    if cycle:
        toml = toml.replace("review_cycle = false", "review_cycle = true")
    (folder / "round.toml").write_text(toml, encoding="utf-8")
    return matcher.load_round(folder)


def test_the_sample_within_clusters_staffs_nine_tenths_of_what_it_staffs_without(
    tmp_path: Path,
) -> None:
    """The issue's target; the plan and its clusters are re-checked inside ``plan``."""
    outcome = matcher.plan(_sample_with(tmp_path), time_limit=30, seed=0)
    figures = outcome.summary()["cluster_staffing"]
    assert isinstance(figures, dict)
    within, without = figures["staffed_within_clusters"], figures["staffed_without_clusters"]
    assert within >= 0.9 * without
    assert matcher.verify_plan(outcome.round, outcome.plan) == []


def test_the_sample_as_a_review_cycle_staffs_each_host_from_its_predecessor(
    tmp_path: Path,
) -> None:
    outcome = matcher.plan(_sample_with(tmp_path, cycle=True), time_limit=30, seed=0)
    before = {(e.reviewing_school_id, e.host_school_id) for e in outcome.round.rotation}
    schools = {s.staff_id: s.school_id for s in outcome.round.staff}
    hosts = {p.project_id: p.host_school_id for p in outcome.round.projects}
    assert outcome.plan.assignments
    for a in outcome.plan.assignments:
        assert (schools[a.staff_id], hosts[a.project_id]) in before
    assert matcher.verify_plan(outcome.round, outcome.plan) == []
