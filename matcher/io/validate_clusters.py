"""Checks across the rows of clusters.csv and rotation.csv (docs/input-format.md).

Ids pointing at schools and clusters are checked with every other reference in
``matcher.io.validate``; here are the rules that need a whole cluster: its rows agree on being
pinned, it has at most one hub, and its rotation stays inside it. Like the other checks, these
read raw cells, and stay quiet when a table they need is missing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from matcher.io import cells
from matcher.io.validate_context import Context


def _flag(text: str) -> bool | None:
    """A yes/no cell, or None when it cannot be read (that is reported by the row reader)."""
    if not text:
        return False
    try:
        return cells.parse_bool(text)
    except cells.CellError:
        return None


def cluster_pins_agree(ctx: Context) -> None:
    """All rows of one cluster say the same about ``pinned``: a cluster is kept whole or not."""
    table = ctx.tables.get("clusters")
    if table is None or not table.has("cluster_id") or not table.has("pinned"):
        return
    first: dict[str, tuple[int, bool]] = {}
    for row in table.rows:
        pinned = _flag(row["pinned"])
        if not row["cluster_id"] or pinned is None:
            continue
        seen = first.setdefault(row["cluster_id"], (row.number, pinned))
        if seen[1] != pinned:
            ctx.log.add(
                table.label,
                row=row.number,
                column="pinned",
                value=row["pinned"],
                expected=f"{'yes' if seen[1] else 'no'}, like row {seen[0]} of cluster "
                f"{row['cluster_id']!r} (a cluster is pinned as a whole)",
            )


def one_hub_per_cluster(ctx: Context) -> None:
    """A cluster has at most one hub school."""
    table = ctx.tables.get("clusters")
    if table is None or not table.has("cluster_id") or not table.has("hub"):
        return
    hub_row: dict[str, int] = {}
    for row in table.rows:
        if not row["cluster_id"] or not _flag(row["hub"]):
            continue
        first = hub_row.setdefault(row["cluster_id"], row.number)
        if first != row.number:
            ctx.log.add(
                table.label,
                row=row.number,
                column="hub",
                value=row["hub"],
                expected=f"no: row {first} already names the hub of cluster {row['cluster_id']!r}",
            )


def rotation_within_clusters(ctx: Context) -> None:
    """Both schools of a rotation row belong to the cluster the row names."""
    clusters, rotation = ctx.tables.get("clusters"), ctx.tables.get("rotation")
    if clusters is None or rotation is None:
        return
    if not (clusters.has("cluster_id") and clusters.has("school_id")):
        return
    members: dict[str, set[str]] = defaultdict(set)
    for row in clusters.rows:
        members[row["cluster_id"]].add(row["school_id"])
    for row in rotation.rows:
        cluster_id = row["cluster_id"]
        if cluster_id not in members:
            continue  # an unknown cluster_id is reported as a reference
        for column in ("reviewing_school_id", "host_school_id"):
            school_id = row[column]
            if school_id and school_id not in members[cluster_id]:
                ctx.log.add(
                    rotation.label,
                    row=row.number,
                    column=column,
                    value=school_id,
                    expected=f"a school of cluster {cluster_id!r} in {clusters.label}",
                )


CLUSTER_CHECKS: tuple[Callable[[Context], None], ...] = (
    cluster_pins_agree,
    one_hub_per_cluster,
    rotation_within_clusters,
)
