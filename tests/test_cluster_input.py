"""Reading cluster input: the rating column, clusters.csv, rotation.csv and [clusters]."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from matcher.io import InputError, load_round
from matcher.io.ratings import parse_rating
from matcher.io.write import write_round
from matcher.model import Rating

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "alliance"


def school_ids() -> list[str]:
    with (SAMPLE / "schools.csv").open(newline="", encoding="utf-8-sig") as handle:
        return [row["school_id"] for row in csv.DictReader(handle)]


def copy_with(tmp_path: Path, files: dict[str, str], ratings: list[str] | None = None) -> Path:
    folder = tmp_path / "round"
    shutil.copytree(SAMPLE, folder)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    if ratings is not None:
        path = folder / "schools.csv"
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
        rows[0].append("rating")
        for row, rating in zip(rows[1:], ratings + [""] * len(rows), strict=False):
            row.append(rating)
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return folder


def problems(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_round(folder)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("strong", Rating.STRONG),
        ("Needs improvement", Rating.NEEDS_IMPROVEMENT),
        ("Outstanding", Rating.STRONG),
        ("good", Rating.SECURE),
        ("Requires-Improvement", Rating.NEEDS_IMPROVEMENT),
        ("special measures", Rating.NEEDS_IMPROVEMENT),
        ("2", Rating.SECURE),
    ],
)
def test_ratings_and_ofsted_grades_are_read(text: str, rating: Rating) -> None:
    assert parse_rating(text) is rating


def test_a_rating_column_loads(tmp_path: Path) -> None:
    round_ = load_round(copy_with(tmp_path, {}, ratings=["Outstanding", "", "inadequate"]))
    assert [s.rating for s in round_.schools[:3]] == [Rating.STRONG, None, Rating.NEEDS_IMPROVEMENT]


def test_a_bad_rating_names_row_column_and_words(tmp_path: Path) -> None:
    found = problems(copy_with(tmp_path, {}, ratings=["", "great"]))
    assert found == [
        "schools.csv row 3, column rating: 'great' is not one of strong, secure, "
        "needs_improvement (or an Ofsted grade: outstanding, good, requires improvement, "
        "inadequate, or 1 to 4)"
    ]


def test_clusters_and_rotation_load(tmp_path: Path) -> None:
    a, b, c, d = school_ids()[:4]
    files = {
        "clusters.csv": f"cluster_id,school_id,pinned,hub\nK1,{a},yes,yes\nK1,{b},yes,\n"
        f"K1,{c},yes,\nOld,{d},,\n",
        "rotation.csv": f"cluster_id,reviewing_school_id,host_school_id\nK1,{a},{b}\n",
    }
    round_ = load_round(copy_with(tmp_path, files))
    assert [(m.cluster_id, m.pinned, m.hub) for m in round_.clusters] == [
        ("K1", True, True),
        ("K1", True, False),
        ("K1", True, False),
        ("Old", False, False),
    ]
    assert round_.rotation[0].host_school_id == b


def test_cluster_problems_are_reported_where_they_are(tmp_path: Path) -> None:
    a, b, c = school_ids()[:3]
    files = {
        "clusters.csv": f"cluster_id,school_id,pinned,hub\nK1,{a},yes,yes\nK1,{b},no,yes\n"
        f"K2,{a},,\nK2,999999,,\n",
        "rotation.csv": f"cluster_id,reviewing_school_id,host_school_id\nK1,{a},{c}\nK9,{a},{b}\n",
    }
    found = problems(copy_with(tmp_path, files))
    assert found == [
        "clusters.csv row 3, column hub: 'yes' is not no: row 2 already names the hub of "
        "cluster 'K1'",
        "clusters.csv row 3, column pinned: 'no' is not yes, like row 2 of cluster 'K1' "
        "(a cluster is pinned as a whole)",
        f"clusters.csv row 4, column school_id: '{a}' is not unique (row 2 already has it)",
        "clusters.csv row 5, column school_id: '999999' is not a school_id in schools.csv",
        f"rotation.csv row 2, column host_school_id: '{c}' is not a school of cluster 'K1' "
        "in clusters.csv",
        "rotation.csv row 3, column cluster_id: 'K9' is not a cluster_id in clusters.csv",
    ]


def test_written_round_reads_back_with_clusters_and_ratings(tmp_path: Path) -> None:
    a, b, c = school_ids()[:3]
    files = {"clusters.csv": f"cluster_id,school_id,pinned\nK1,{a},yes\nK1,{b},yes\nK1,{c},yes\n"}
    round_ = load_round(copy_with(tmp_path, files, ratings=["strong", "secure"]))
    write_round(round_, tmp_path / "again")
    assert load_round(tmp_path / "again") == round_
