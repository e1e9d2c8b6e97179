"""Find every cluster whose reduced cost is below a threshold, without listing all clusters.

The set-partitioning view of clustering has one column per possible cluster (a clique of the
school graph of min_size..max_size schools). There are far too many to list in a dense town,
but given a price ``dual[i]`` per school, the clusters worth adding are those with

    reduced cost = cluster cost - sum of its members' prices < threshold.

Each cluster is grown from its lowest-numbered school (its anchor) by adding schools in
increasing order, all at once for a batch of partial clusters (numpy). A partial cluster is
dropped as soon as even the cheapest possible completion cannot get below the threshold; that
bound only uses quantities that can never be undercut (pair costs are never negative, and a
later school adds at least its pair cost to the anchor minus its price), so the search is exact:
with ``threshold = 0`` it proves that no column prices out, which makes the LP bound valid.

With subset-row cuts (``solvers.clusters.cuts``) a cluster also pays the price of every cut
holding two or more of its schools. That price never falls as a cluster grows, so the bound
above, which counts travel and school prices only, still never undercuts a completion; the
partial clusters' values carry the cut prices exactly (pairs, less the triples counted thrice).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from solvers.clusters.component import Component
from solvers.clusters.cuts import CutPrices

# Partial clusters kept per anchor before the search gives up on being exact (a guard against
# absurd prices early in column generation; the caller then knows the bound is not proven).
MAX_PARTIALS = 50_000


@dataclass(frozen=True)
class PricedColumns:
    """Clusters found (local indices, sorted), with cost and reduced cost, per anchor."""

    members: list[tuple[int, ...]]
    cost: list[int]
    reduced: list[float]
    exact: bool  # False if a guard cut the search: some cheaper column may be missing
    # What the search did, counted rather than timed (``solvers.clusters.work``): table cells
    # of (partial cluster x candidate school x member so far) computed, and anchors grown.
    cells: int = 0
    anchors: int = 0
    staffing_cells: int = 0  # table cells read pricing complete clusters' staffing terms
    cut_lookups: int = 0  # triples of partial clusters looked up among the cuts

    @property
    def most_negative(self) -> float:
        return min(self.reduced, default=0.0)


def _suffix_min(values: np.ndarray) -> np.ndarray:
    """``out[k] = min(values[k:])``, with +inf past the end."""
    out = np.full(len(values) + 1, np.inf)
    if len(values):
        out[:-1] = np.minimum.accumulate(values[::-1])[::-1]
    return out


def price_columns(
    comp: Component,
    duals: np.ndarray,
    *,
    threshold: float,
    per_anchor: int | None = None,
    max_partials: int = MAX_PARTIALS,
    cuts: CutPrices | None = None,
) -> PricedColumns:
    """Every cluster of ``comp`` with reduced cost below ``threshold``.

    Parameters
    ----------
    comp
        The component (local indices).
    duals
        Price per local school (LP duals of the covering rows).
    threshold
        Keep clusters whose reduced cost is strictly below this.
    per_anchor
        Keep at most this many (the lowest reduced costs) per anchor school; None keeps all.
    max_partials
        Partial clusters kept per anchor and size; beyond it the most promising are kept and
        the search is no longer exact (cheap early rounds of column generation use this).
    cuts
        The subset-row cuts' prices (the reduced cost then includes them), or None.
    """
    settings = comp.problem.settings
    low, high = settings.min_size, settings.max_size
    rated = comp.problem.rated
    weak = comp.weak.astype(np.int64)
    strong = comp.strong.astype(np.int64)
    members: list[tuple[int, ...]] = []
    costs: list[int] = []
    reduced: list[float] = []
    exact = True
    cells = anchors = staffing_cells = lookups = 0
    for anchor in range(comp.size):
        later = np.flatnonzero(comp.allowed[anchor, anchor + 1 :]) + anchor + 1
        if len(later) < low - 1:
            continue
        anchors += 1
        found, anchor_exact, anchor_cells, anchor_staffing, anchor_lookups = _grow(
            comp,
            (duals, cuts),
            anchor,
            later,
            weak,
            strong,
            rated,
            low,
            high,
            threshold,
            per_anchor,
            max_partials,
        )
        exact &= anchor_exact
        cells += anchor_cells
        staffing_cells += anchor_staffing
        lookups += anchor_lookups
        for cluster, cost, rc in found:
            members.append(cluster)
            costs.append(cost)
            reduced.append(rc)
    return PricedColumns(members, costs, reduced, exact, cells, anchors, staffing_cells, lookups)


# Kept whole (ruff noqa below): the pricing's inner search, one frame per partial cluster.
def _grow(  # noqa: C901, PLR0913
    comp: Component,
    prices: tuple[np.ndarray, CutPrices | None],
    anchor: int,
    later: np.ndarray,
    weak: np.ndarray,
    strong: np.ndarray,
    rated: bool,
    low: int,
    high: int,
    threshold: float,
    keep: int | None,
    max_partials: int,
) -> tuple[list[tuple[tuple[int, ...], int, float]], bool, int, int, int]:
    """The clusters anchored at ``anchor`` below ``threshold``, whether the search was exact,
    and the table cells it computed (pair costs, staffing terms, cut look-ups)."""
    duals, cuts = prices
    settings = comp.problem.settings
    mix_weight = settings.mix_penalty if rated else 0
    block = comp.pair_cost[np.ix_(later, later)]  # inf where a pair is forbidden
    gain = comp.pair_cost[anchor, later] - duals[later]  # what each school adds at least
    # The floor leaves the cut prices out: a school may join a cut already paid for.
    floor = _suffix_min(gain)
    if cuts is not None:
        block = block + cuts.pair[np.ix_(later, later)]
        gain = gain + cuts.pair[anchor, later]
    # A partial cluster: positions into ``later`` (ascending), value = pair costs - prices so far.
    # Every cluster pays the count row's price alike: a constant the pruning may count.
    partial = _Partial(
        positions=np.zeros((1, 0), dtype=np.int64),
        value=np.asarray([-duals[anchor] + (0.0 if cuts is None else cuts.per_cluster)]),
        weak=np.asarray([weak[anchor]]),
        strong=np.asarray([strong[anchor]]),
    )
    found: list[tuple[tuple[int, ...], int, float]] = []
    exact = True
    cells = staffed = lookups = 0
    for size in range(2, high + 1):  # the size each partial cluster grows to now
        pieces = []
        step = max(1, _CHUNK // (len(later) * max(1, size - 1)))
        cells += partial.count * len(later) * max(1, size - 1)
        for start in range(0, partial.count, step):
            grown = _extend(partial.rows(start, start + step), block, gain, later, weak, strong)
            if cuts is not None and size >= 3:
                grown, looked = _whole_cuts(grown, anchor, later, cuts)
                lookups += looked
            over = np.maximum(0, grown.weak - settings.max_weak_per_cluster)
            if size >= low:
                short = np.maximum(0, settings.min_strong_per_cluster - grown.strong)
                total = grown.value + mix_weight * (over + short)
                hits = np.flatnonzero(total < threshold)
                if comp.staffing is not None and len(hits):
                    # Staffing is never negative: the cut above stays exact; priced only here.
                    hits, cells_read = _with_staffing(
                        comp, (anchor, later, grown.positions), total, hits, threshold, keep
                    )
                    staffed += cells_read
                if keep is not None and len(hits) > keep:
                    hits = hits[np.argsort(total[hits], kind="stable")[:keep]]
                rows = np.column_stack([np.full(len(hits), anchor), later[grown.positions[hits]]])
                costs = total[hits] + duals[rows].sum(axis=1)
                if cuts is not None:
                    costs = costs - cuts.paid(rows)
                for k, row, cost in zip(hits.tolist(), rows.tolist(), costs.tolist(), strict=True):
                    found.append((tuple(row), round(cost), float(total[k])))
            if size < high:
                bound = grown.value + mix_weight * over
                needed = max(0, low - size)
                optional = high - size - needed
                last = grown.positions[:, -1]
                next_floor = floor[np.minimum(last + 1, len(later))]
                if needed:
                    # Each school still needed adds at least the smallest gain after the last.
                    bound = bound + needed * next_floor
                if optional:
                    bound = bound + optional * np.minimum(0.0, next_floor)
                pieces.append(grown.select((bound < threshold) & (last + 1 < len(later))))
        if size == high or not pieces:
            break
        partial = _Partial.join(pieces)
        if partial.count > max_partials:
            partial = partial.select(np.argsort(partial.value, kind="stable")[:max_partials])
            exact = False
        if not partial.count:
            break
    if keep is not None and len(found) > keep:
        found.sort(key=lambda item: item[2])
        del found[keep:]
    return found, exact, cells, staffed, lookups


def _whole_cuts(
    grown: _Partial, anchor: int, later: np.ndarray, cuts: CutPrices
) -> tuple[_Partial, int]:
    """Take off twice the price of each cut the newest school completes (all three of its
    schools now inside: the pair table counted it three times), and the look-ups made."""
    members = np.column_stack([np.full(grown.count, anchor), later[grown.positions]])
    newest = members[:, -1]
    correction = np.zeros(grown.count)
    earlier = members.shape[1] - 1
    for i in range(earlier):
        for j in range(i + 1, earlier):
            correction += cuts.inside(members[:, i], members[:, j], newest)
    looked = grown.count * earlier * (earlier - 1) // 2
    return replace(grown, value=grown.value - 2 * correction), looked


def _with_staffing(
    comp: Component,
    grown: tuple[int, np.ndarray, np.ndarray],
    total: np.ndarray,
    hits: np.ndarray,
    threshold: float,
    keep: int | None,
) -> tuple[np.ndarray, int]:
    """Add the staffing terms to ``total`` at ``hits`` (in place); the hits still below
    ``threshold`` (in index order) and the table cells read.

    With ``keep``, only the hits needed to be sure of the ``keep`` lowest are priced, cheapest
    travel first: staffing is never negative, so once the next hit's total without it is at
    least the ``keep``-th lowest total with it, no later hit can be among them.
    """
    anchor, later, positions = grown
    order = hits[np.argsort(total[hits], kind="stable")]
    batch = len(order) if keep is None else max(4 * keep, 256)
    kept: list[np.ndarray] = []
    best = np.empty(0)
    cells = 0
    for start in range(0, len(order), batch):
        chunk = order[start : start + batch]
        if keep is not None and len(best) >= keep and total[chunk[0]] >= best[keep - 1]:
            break
        members = np.column_stack([np.full(len(chunk), anchor), later[positions[chunk]]])
        total[chunk] += comp.staffing_cost(members)
        cells += comp.staffing.cells(members) if comp.staffing is not None else 0
        chunk = chunk[total[chunk] < threshold]
        kept.append(chunk)
        if keep is not None:
            best = np.sort(np.concatenate([best, total[chunk]]))[:keep]
    found = np.concatenate(kept) if kept else order[:0]
    return np.sort(found), cells


# Cells of one (partial clusters x candidate schools) table computed at once: bounds memory.
_CHUNK = 2_000_000


@dataclass(frozen=True)
class _Partial:
    """A batch of partial clusters of one anchor (rows), as parallel arrays."""

    positions: np.ndarray  # (rows, members after the anchor): positions into ``later``
    value: np.ndarray  # pair costs so far minus the members' prices
    weak: np.ndarray
    strong: np.ndarray

    @property
    def count(self) -> int:
        return len(self.value)

    def rows(self, start: int, stop: int) -> _Partial:
        return self.select(slice(start, stop))

    def select(self, which: np.ndarray | slice) -> _Partial:
        return _Partial(
            self.positions[which], self.value[which], self.weak[which], self.strong[which]
        )

    @staticmethod
    def join(pieces: list[_Partial]) -> _Partial:
        return _Partial(
            np.concatenate([p.positions for p in pieces]),
            np.concatenate([p.value for p in pieces]),
            np.concatenate([p.weak for p in pieces]),
            np.concatenate([p.strong for p in pieces]),
        )


def _extend(
    partial: _Partial,
    block: np.ndarray,
    gain: np.ndarray,
    later: np.ndarray,
    weak: np.ndarray,
    strong: np.ndarray,
) -> _Partial:
    """Every partial cluster grown by one school after its last one, if all pairs are allowed."""
    add = np.broadcast_to(gain, (partial.count, len(gain)))
    if partial.positions.shape[1]:
        add = add + block[partial.positions].sum(axis=1)
        last = partial.positions[:, -1]
    else:
        last = np.full(partial.count, -1)
    grown = partial.value[:, None] + add
    rows, cols = np.nonzero((np.arange(len(later))[None, :] > last[:, None]) & np.isfinite(grown))
    return _Partial(
        positions=np.concatenate([partial.positions[rows], cols[:, None]], axis=1),
        value=grown[rows, cols],
        weak=partial.weak[rows] + weak[later[cols]],
        strong=partial.strong[rows] + strong[later[cols]],
    )
