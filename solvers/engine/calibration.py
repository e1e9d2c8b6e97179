"""Calibration: every constant that turns work into seconds, or sets how much time a step gets.

Each was measured, and says how (machine, instances, figures); re-measure before changing one.
The limits users give are counted in CP-SAT work (``solvers.engine.budget``), so these rates
decide when a run stops but never make a run differ from its re-run. Parameters of a
method's search itself (chain length, tenure, elite size...) stay beside the method.
"""

from __future__ import annotations

# --- Work and the clock (solvers.engine.budget) ----------------------------------------------

# CP-SAT's deterministic time per second of one core, measured on an idle 2-core machine: 0.3
# to 0.6 on the 300-school cohort's matching and dating parts (one worker each; 0.56 to 0.68
# per worker with two), 0.28 to 0.34 on the 2,000-school cohort's matching parts and about 0.3
# on the national cohort's windows. The large parts' rate, so those keep to their time and
# small ones end early.
WORK_PER_CORE_SECOND = 0.3
# The clock stops a job at this multiple of its limit. On an idle machine a job takes 0.76 of
# its limit (300-school cohort) to 0.80 (2,000 schools), so this leaves room for a machine
# about twice as slow, e.g. with every core shared with another busy process, before a run
# stops repeating.
CLOCK_GUARD = 1.5
# A search that ran this close to its wall-clock limit was stopped by the clock.
CLOCK_MARGIN = 0.98

# --- Parts (solvers.engine.decompose) --------------------------------------------------------

# Above this many candidate pairs a part is split into regions (see ``pair_parts``); read when
# called, so a test can lower it.
MAX_PART_PAIRS = 40_000

# --- Lanes (solvers.engine.lanes) ------------------------------------------------------------

# A part may take up to this multiple of its fair share of its lane's time left, scaled down
# by the share of the lane's parts so far that used all of theirs: most parts stop early at
# their gap limit, and what they leave goes to the lane's later parts (``run_lanes``).
SLACK = 2.0
# A part that used this much of its share counts as having used it all.
USED_ALL_SHARE = 0.9

# --- Matching (solvers.matching.strategy) ----------------------------------------------------

# Even a tiny part gets this long: below it CP-SAT may not finish presolve. A large part gets
# a second more per this many pairs, time for presolve and the root LP that gives its first
# bound: without a bound the plan's gap is unknown (a 13,500-pair part had none after 2 s).
MIN_PART_SECONDS = 2.0
# Parts up to this many pairs also get their start as a CP-SAT hint. On small parts following
# the hint is cheap and lets the search improve on the start at once (every Cattrysse GAP
# instance then proves optimal within a second, against 8 of 60 over a second without); on a
# 16,000-pair part following it node by node with the LP took 15 s, longer than no hint.
HINT_MAX_PAIRS = 5_000
PAIRS_PER_EXTRA_SECOND = 4_000
# The search always gets this long, whatever building its model took.
MATCHING_MIN_SEARCH_SECONDS = 1.0
# The first search where the start would relink (``solvers.search.relink``), before
# relinking: on the Chu-Beasley A-C instances of 100 jobs it proves the optimum in under 2 s
# but on c20100.
PROBE_SECONDS = 4.0
# Building a part's start plan and model: about 25,000 pairs a second (the 2,000-school cohort's
# parts, 1,700 to 25,000 pairs: 20,000 to 28,000 a second).
PAIRS_BUILT_PER_SECOND = 25_000
# A matching round outside its parts' searches and starts (checking every project has
# candidates, encoding the round, splitting it into parts, merging and checking the plan):
# about this many candidate pairs a second (the 2,000-school cohort, 68,716 pairs: 1.9 s in a
# feedback round whose parts were all solved before, 2026-12-05). Charged so a short limit
# still ends near its time (at 15 s these steps were a third of the run, uncounted).
ROUND_PAIRS_PER_SECOND = 36_000

# An unstaffed project's explanation (the smallest set of rules that stop it) searches for at
# most this long, whatever its even share of the budget: on the sample and the 300-school
# cohort each is settled in well under a second, and a search that has not settled by then
# rarely does (its project is then said to be out of time).
EXPLAIN_MAX_SECONDS = 5.0
# Each part's guarded model for those explanations (every rule instance behind a literal, the
# staffed projects' literals, no start plan) is built once and copied for each project: about
# 30,000 pairs a second built and 1,000,000 copied. Measured on the 2,000-school cohort's ten
# parts of 1,000 to 18,700 pairs (seed 1, 68,500 pairs in all, thread time, idle 2-core
# machine): built at 32,000 to 36,000 a second in all (22,000 to 42,000 part by part) alone,
# 29,000 in a plan run with the two threads building at once; copied (CpModel.clone and
# the project's own literal) at 1.2 to 1.6 million a second on parts over 4,000 pairs, 0.7 to
# 1.0 million on smaller ones.
EXPLAIN_PAIRS_BUILT_PER_SECOND = 30_000
EXPLAIN_PAIRS_COPIED_PER_SECOND = 1_000_000

# --- Explanations (matcher explain: solvers.matching.whatif, solvers.matching.neighbourhood) --

# A change (a pair kept out or forced in, a project staffed under a relaxed rule) is re-solved
# on its whole independent part when the part has at most this many pairs: exact, with a
# proven bound, and quick (the sample and the 300-school cohort, whose parts hold up to
# 3,000 pairs). Larger parts (a region's reach 19,000) re-solve only the change's
# neighbourhood.
EXACT_PART_PAIRS = 5_000
# Suggestions for an unstaffed project encode the round again with each rule relaxed, and
# re-solve the project's whole part in it, on rounds of at most this many candidate pairs
# (the 300-school cohort has 5,900; encoding it takes a quarter of a second). A region
# (69,000 pairs, 2-3 s to encode) instead appends the pairs the relaxed rule opens to the
# project alone (``solvers.matching.encode.append_pairs``).
EXACT_ROUND_PAIRS = 10_000
# The neighbourhood of a change frees at most this many pairs (its first ring always).
NEIGHBOURHOOD_MAX_PAIRS = 1_500
# ... and for a suggestion, one of hundreds on a region, at most this many.
SUGGESTION_NEIGHBOURHOOD_PAIRS = 600

# --- Dating (solvers.dating.strategy) --------------------------------------------------------

# A part's search may use at most this long plus this much per project: the bound rarely
# proves a clash unavoidable, so the gap stop alone would let every part with an undated project
# run to its share. (A stop once the dates stall would read the clock, and a run would then
# not repeat: the cap is work, like every other limit.)
DATING_BASE_SECONDS = 1.0
DATING_SECONDS_PER_PROJECT = 0.05
# Large dating models do less work per second than matching ones: about 0.25 units a second at
# 25,000 variables, 0.19 at 42,000, 0.17 at 58,000 and 0.13 at 194,000 (parts of the national
# cohort, idle machine). Their rate is taken to fall as the size's power -0.4 above this size,
# so that a part's nominal seconds stay near its wall-clock seconds.
DATING_RATE_REFERENCE_VARIABLES = 20_000
DATING_RATE_EXPONENT = 0.4

# --- Ejection chains (solvers.search.ejection) -----------------------------------------------

# Above these sizes the search is skipped: its tables are jobs x jobs, and a national part that
# happened to have GAP shape should not spend seconds here.
EJECTION_MAX_PAIRS = 20_000
EJECTION_MAX_CELLS = 400_000
EJECTION_MAX_JOBS = 1_000
# The single search's move budget (where ``solvers.search.relink`` does not take over): this many
# iterations per candidate pair, at most EJECTION_MAX_ITERATIONS, and at most EJECTION_WORK
# table cells in all
# (iterations x jobs x (jobs + agents), what an iteration evaluates). An iteration costs about
# 0.3 ms at 60 jobs and 0.6 ms at 100 (mostly numpy's per-call overhead).
EJECTION_ITERATIONS_PER_PAIR = 2.5
EJECTION_MAX_ITERATIONS = 2_500
EJECTION_WORK = 30_000_000
# How fast the search evaluates its tables on the 2-core machine the benchmarks run on: 203
# million cells (16,800 iterations on d20100) took 10.5 s.
EJECTION_CELLS_PER_SECOND = 19_000_000

# --- Path relinking (solvers.search.relink) --------------------------------------------------

# The work: this many table cells evaluated in all (iterations x jobs x (jobs + agents + 1)),
# at most RELINK_MAX_ITERATIONS iterations: 16,800 iterations on d20100, about 10 s on this machine.
RELINK_WORK = 203_000_000
RELINK_MAX_ITERATIONS = 17_000

# --- Window search (solvers.search.windows) --------------------------------------------------

# Each pass may use this share of the work left: most windows stop early at the gap limit, so
# a pass usually leaves time for the next, and the last passes are never starved entirely.
WINDOW_PASS_SHARE = 0.5
# No pass starts with less than this long left: it would only keep its start plans.
WINDOW_MIN_PASS_SECONDS = 5.0

# --- Forming clusters (solvers.clusters.work) ------------------------------------------------

# CP-SAT's deterministic time per second of one worker on the cover models of
# ``solvers.clusters.partition`` (one worker, LNS on components over 80 schools, tree search below),
# measured on the 2,000-school region's components: 0.75 on the largest (398 schools, 12
# units in 16 s) and 0.75 to 1.0 on the others with LNS, 0.8 to 1.0 with tree search, 1.4 to
# 1.9 on the fewest-left-out models. The largest components' rate, so those keep to their
# time and the rest end early (as ``solvers.engine.budget.WORK_PER_CORE_SECOND`` is chosen). And on
# the p-median models of ``solvers.clusters.pmedian`` (one worker): 0.5 to 0.9 on the OR-Library
# pmedcap instances and generated ones.
# Every rate here is the measured one divided by HEADROOM (every cost per step multiplied by
# it), so that forming clusters ends at about 0.8 of its limit on an idle machine, as matching
# and dating do: the clock guard (``solvers.engine.budget.CLOCK_GUARD``) then fires only on a
# machine about twice as slow. At the
# measured rates the search used the whole limit (it has no gap stop: LNS runs to its end), and
# a run sharing one core reached 1.49 times its limit.
HEADROOM = 1.25
COVER_WORK_PER_CORE_SECOND = 0.75 / HEADROOM
PMEDIAN_WORK_PER_CORE_SECOND = 0.7 / HEADROOM
# Python and numpy steps, in elementary operations per nominal second, fitted (least squares)
# to every step of the 2,000-school region's first pass, which the fit predicts within 2% in
# all (8.8 s of pricing against 8.9 s measured; single rounds within -20% to +30%).
GRAPH_PAIRS_PER_SECOND = 280_000 / HEADROOM  # school graph and clusterable schools, per near pair
# A component's tables and two starting partitions, per m^2:
START_CELLS_PER_SECOND = 280_000 / HEADROOM
PRICING_CELLS_PER_SECOND = 90_000_000 / HEADROOM  # pricing table cells
PRICING_SECONDS_PER_ANCHOR = 1e-4 * HEADROOM  # pricing's set-up per anchor school
# The staffing terms of complete clusters (solvers.clusters.staffing), per table cell read
# (clusters x size^2 x demand rows per school, plus STAFFING_CALL_CELLS a batch): 20 to 40
# million a second on the sample's component, measured with the machine at load 7.6 on its
# 2 cores (not idle, unlike the rates above: counts more work than an idle machine does, so
# runs end sooner, never later; to be re-measured idle).
STAFFING_CELLS_PER_SECOND = 30_000_000 / HEADROOM
STAFFING_CALL_CELLS = 2_000
PRICING_SECONDS_PER_COLUMN = 2e-6 * HEADROOM  # each cluster the pricing found, listed in Python
LP_CELLS_PER_SECOND = 7_000_000 / HEADROOM  # simplex iterations x rows
LP_COLUMNS_PER_SECOND = 600_000 / HEADROOM  # columns GLOP reloads and prices each round
COLUMNS_ADDED_PER_SECOND = 100_000 / HEADROOM  # columns added to the pool and the LP
COVER_COLUMNS_PER_SECOND = 130_000 / HEADROOM  # columns of a CP-SAT cover model built and read back
# Subset-row cuts (solvers.clusters.cuts): triples of schools looked at when searching the LP
# solution for broken cuts (pure Python; not fitted, a small share of a cut round), and triples
# of partial clusters the pricing looks up among the cuts: 40 million a second measured at
# load 3.5 on the 2 cores (so an idle machine does more than is counted, and runs end sooner).
SEPARATION_TRIPLES_PER_SECOND = 1_000_000 / HEADROOM
PRICING_CUT_LOOKUPS_PER_SECOND = 40_000_000 / HEADROOM
# Splits of two neighbouring clusters priced by the exchange search (solvers.clusters.exchange):
# about 180,000 a second measured on the 2,000-school region at load 5 (not idle, as above).
EXCHANGE_SPLITS_PER_SECOND = 200_000 / HEADROOM
PMEDIAN_ARCS_PER_SECOND = 50_000 / HEADROOM  # arcs of a p-median model built
# Regrouping neighbouring clusters (solvers.clusters.regroup): pair cells of the cliques listed
# in a group, cliques put in the CP-SAT model, and each pass's model set-up and solve call
# (first estimates, not yet fitted: see benchmarks/README.md).
REGROUP_CELLS_PER_SECOND = 20_000_000 / HEADROOM
REGROUP_COLUMNS_PER_SECOND = 100_000 / HEADROOM
REGROUP_SECONDS_PER_PASS = 0.01 * HEADROOM
# The Lagrangian bound of the p-median (solvers.clusters.lagrange): knapsack table cells
# (points x medians x capacity) per second, and the min-cost-flow assignments of the median
# search (solvers.clusters.assign, solvers.clusters.swap), arcs per second.
# Each slot offered to the tables or walked back (all medians at once): first fitted with the
# cells (least squares, 133 evaluations on pmedcap08 and generated 100- and 200-point
# instances, load 3 on the 2 cores) at 104 million cells and 1.6e-6 s a slot, the slot charged
# more. Profits sorted for the fractional knapsacks that screen medians (medians x points), and
# the slots each screening is charged besides: measured beside the tables (600 calls, load 1.3)
# at 65 million a second and 35 microseconds a call, where the tables ran at 238 million cells.
# Checked idle on 6 December (every evaluation of solve_bounded at 20 s, one worker: 25,480 on
# gen100x10s1/s4/s7, 2,981 on a 200-point, 20-median instance): those rates counted 2.2 times
# the wall clock on both, not HEADROOM's 1.25, so all three are 1.75 times faster than they
# were (counted / wall now 1.27 and 1.26); the cells' share differs with the tables' size.
LAGRANGE_CELLS_PER_SECOND = 175_000_000 / HEADROOM
LAGRANGE_SECONDS_PER_STEP = 5.7e-6 * HEADROOM
LAGRANGE_SORTED_PER_SECOND = 47_000_000 / HEADROOM
LAGRANGE_SCREEN_STEPS = 8
# The cut bound (solvers.clusters.cut_bound), fitted per part (least squares over 549 master
# solves and 23,290 searches: the cut bound alone on gen100x10s4, s6, s7 and s8, 20 s of
# counted work each, 6 December, third session, on a machine where the parts fitted in the
# second session ran 1.22 times slower, so each figure here is its measurement sped up 1.22
# times):
# - nodes of the branch and bound that prices a median's cluster with the subset-row cuts
#   paid (solvers.clusters.penalised, compiled; a node also counts the open items its tighter
#   bound looks at and their cuts, over penalised.TIGHTER_ITEMS_PER_NODE): 115 million a
#   second, and 6.5 microseconds a search to set it up (5,062 searches of the median tree's
#   relaxation with cuts, gen100x10s7: 101 million and 8 microseconds on this machine);
# - its HiGHS master, each solve: simplex iterations x rows at 2.7 million a second and 3.8
#   milliseconds a solve (HiGHS keeps its model and basis between solves);
# - entries written into the master (columns pooled, cuts added, the pool cut back): 1.7
#   million a second.
# Before, the search ran in Python (5 million nodes a second) and the master in GLOP, which
# loaded its whole model at every solve: the same cut bound took 2.4 times the wall time.
CUT_SEARCH_NODES_PER_SECOND = 115_000_000 / HEADROOM
CUT_SEARCH_SECONDS_PER_CALL = 6.5e-6 * HEADROOM
CUT_LP_CELLS_PER_SECOND = 2_700_000 / HEADROOM
CUT_LP_SECONDS_PER_SOLVE = 3.8e-3 * HEADROOM
CUT_ENTRIES_PER_SECOND = 1_700_000 / HEADROOM
FLOW_ARCS_PER_SECOND = 1_000_000 / HEADROOM
# Cells of the move tables of a plan's local search (solvers.clusters.moves): shifts (points x
# medians) and exchanges (points x points), each a few numpy passes. Measured 58 million a
# second (30 random median sets polished on generated 100-point instances, load 2 on the 2
# cores); charged a little slower. Each round of moves (a table of shifts and one of
# exchanges, or one cluster relocated) also costs some 36 microseconds of numpy calls whatever
# its size (fitted on pmedcap08's 50 points against the 100-point instances).
MOVE_CELLS_PER_SECOND = 50_000_000 / HEADROOM
MOVE_SECONDS_PER_ROUND = 40e-6 * HEADROOM

# --- Partition clusters (solvers.clusters.partition) -----------------------------------------

# Share of the work limit for the first pass (plans, bounds and pools of every component), and
# of a component's first pass, for looking for a plan that leaves out fewer schools.
BOUND_SHARE = 0.6
FEWER_SHARE = 0.25
# The least work a step gets however little is left (nominal seconds): one CP-SAT search
# for fewer schools left out, a component's first pass, and a component's search in the
# second pass (less than that, and its first-pass plan stands without a search).
MIN_FEWER_SECONDS = 0.05
MIN_FIRST_SECONDS = 0.05
PARTITION_MIN_SEARCH_SECONDS = 0.1
# Share of a component's work left that such a proof may use: on the 2,000-school region a
# proof over thousands of columns is rarely settled, and the rest is worth more to the
# larger components solved after it in the same lane (``_search_all`` passes it on).
PROVE_SHARE = 0.5
# Rounds of subset-row cuts per column generation (each followed by pricing until the LP over
# every cluster is solved again), and the cuts added a round per school of the component; and
# the share of the work left after the first pass that strengthening the bounds may use.
CUT_ROUNDS = 8
CUTS_PER_SCHOOL = 0.5
CUT_SHARE = 0.35
# Share of a component's second-pass work kept for exchanges between neighbouring clusters,
# before CP-SAT's search and again after it (each runs until no exchange improves, mostly far
# sooner: 0.85 nominal seconds for the 398-school component of the 2,000-school region).
EXCHANGE_SHARE = 0.1
# Share of a mid-sized component's second-pass work for a tree search over the clusters its
# last LP solution uses, before the LNS (solvers.clusters.partition.SUPPORT_UP_TO says which).
SUPPORT_SHARE = 0.1
# Share of a lane's work left after the cuts for rounding its large components' plans from
# their LPs (solvers.clusters.rounding), each its share by size, before any LNS: the schools
# the LP's whole clusters leave searched to a proof, then larger rests while proofs come.
# Generated 2,000-school regions 1, 2 and 3 at limit 50: 0.35 gave gaps of 0.87, 1.01 and
# 1.48%, 0.5 gave 0.65, 1.20 and 0.98% (region 1 at limit 70: 0.2 0.76%, 0.35 0.52%, 0.5 0.54%).
ROUND_SHARE = 0.5
# Share of a component's second-pass work kept for regrouping neighbouring clusters at best
# after a tree search (solvers.clusters.regroup). 0: off. On the 2,000-school region the plan
# was worse with it: 27,346 at 0.2 after every search, 27,269 at 0.2 after tree searches
# only, against 27,203 without: it found little beyond the searches' plans (765 to 763 on
# the 49-school component) and took work from them.
REGROUP_SHARE = 0.0

# --- Hubs (solvers.clusters.hubs) ------------------------------------------------------------

# The least work a part's search gets, besides building its model (nominal seconds).
HUBS_MIN_SEARCH_SECONDS = 0.1

# --- Proven bound of a round solved by windows (solvers.bounds) -------------------------------

# Each group whose most staffed projects CP-SAT proves (``solvers.bounds.most_staffed``) holds
# the schools nearest an unstaffed project's host, up to this many candidate pairs: a conflict
# over a reviewer's or a school's days lies among near neighbours.
BOUND_GROUP_PAIRS = 4_000
# The groups' searches share at most this fraction of the bound's budget; the LP gets the rest,
# and at least BOUND_LP_MIN_SECONDS: on a national round (generated, seed 5) the caps of 113
# groups raised the bound by 25,000 after 60 s of work, while regions left unsolved for want
# of time lowered it by millions (21.3 million with 10 of 51 regions unsolved, 27.0 with
# none); the LP of all 51 regions took 40 to 46 s at load 3 and 93 s at load 6, and an LP
# stopped early proves next to nothing (its duals price the columns left out far below zero),
# so the floor lets it finish on a busy machine too (it ends as soon as every region is solved).
BOUND_CAP_SHARE = 0.3
BOUND_LP_MIN_SECONDS = 150.0
# A round solved window by window sets aside this share of its matching work for its bound,
# charged whole (so the plan does not depend on how fast the bound ran).
WINDOWS_BOUND_SHARE = 0.15
# The bound's LP starts from the plan's pairs and each project's cheapest this many, and adds
# the pairs its duals price below zero, region by region (``solvers.bounds.by_region``).
START_PAIRS_PER_PROJECT = 16
