"""Which submissions of a class are similar, worth a look: a pure function of their fingerprints (fingerprints.py)
and of what they did (the behaviour digests of their results). No file is read or written here; integrity.py
feeds it and stores what it finds.

Kinds of finding, strongest first:
- `identical`: the same program once comments, docstrings and layout are set aside (the same exact tokens);
- `known_source`: a student's code covers, or is covered by, a file the instructor provided;
- `near_copy`: the same program under renamed names, another layout, reordered methods, changed comments, some
  lines rewritten, dead code or a demo added;
- `same_behaviour`: the same wrong numbers, bit for bit, on every public probe.

What every submission shares is no evidence: the k-grams of the starter (and of the reference's skeleton, which
is the starter's) and of the kata's common lines (common_code.txt) are set aside before anything is compared,
and a submission with fewer than MIN_OWN_TOKENS tokens of its own (the starter itself, a stub) is never flagged
for its code. So a pair's score does not depend on the rest of the class.

Scale: the submissions' winnowed hashes go into one sorted array (an inverted index from hash to submission);
a pair is verified only when it shares at least CANDIDATE_SHARE of the smaller one's hashes, counting only the
hashes held by at most `candidate_cap(n)` submissions (more is the kata's common ground, and would make the
work grow with the square of the class). Identical files are grouped by digest first, and only one of each
group is compared with the others. Files the instructor provides are compared with every submission that
shares enough of their hashes, however common (each member of an identical group on its own).
"""
from __future__ import annotations

import collections
import functools
import math
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from grader.course.fingerprints import K, Print

# Calibrated on the corpus of independent implementations and their derived copies (tools/calibrate_integrity.py;
# README, "Similar submissions, worth a look").
NEAR_COPY = 0.70          # the share of one file's own tokens found in the other (the larger of the two shares)
KNOWN_SOURCE = 0.70       # the same, against a file the instructor provided
MIN_OWN_TOKENS = 80       # tokens beyond the starter's and the common code's: less is too little to compare
MIN_MATCHED_TOKENS = 80   # a flag needs at least this many matching own tokens
CANDIDATE_SHARE = 0.3     # of the smaller one's winnowed hashes, for a pair to be verified at all
CAP_MIN, CAP_FRACTION = 50, 0.1   # hashes held by more than max(50, 10 % of the class) propose no candidates


@dataclass(frozen=True, eq=False)
class Subject:
    """One submission (or known file) as the pass sees it. `kept`: its winnowed hashes; `behaviour`: the digest of
    what it did on every public probe, "" when it is not eligible for same_behaviour (correct, or nothing wrong
    came back to compare); `failing`: the checks it fails, for the evidence."""
    id: str
    kept: np.ndarray      # int64
    identical: str
    own_tokens: int
    behaviour: str = ""
    failing: str = ""
    known: bool = False


@dataclass(frozen=True)
class Region:
    """Lines a..b of the student's file match lines c..d of the other's (1-based, inclusive)."""
    student: tuple[int, int]
    other: tuple[int, int]


@dataclass
class Finding:
    """A flagged pair. student < other for two students; `other` is "known:<file>" for a known file."""
    student: str
    other: str
    kind: str
    similarity: float
    detail: str
    regions: list[Region] = field(default_factory=list)
    also: list[str] = field(default_factory=list)   # weaker kinds the same pair shows too


KINDS = ("identical", "known_source", "near_copy", "same_behaviour")


def candidate_cap(n: int) -> int:
    """A hash held by more submissions than this proposes no candidate pairs (it still counts in a score)."""
    return max(CAP_MIN, math.ceil(CAP_FRACTION * n))


def find(subjects: list[Subject], load: Callable[[str], Print], common: frozenset[int],
         counts: dict[str, int] | None = None) -> list[Finding]:
    """Every flagged pair among `subjects` (students and known files, in any order), sorted by (student, other).
    `load(id)` gives a subject's full Print for verification; `common` the k-gram hashes every submission may
    share (the starter's and the common code's). `counts["verified"]`, when given, counts the pairs compared in
    full."""
    students = sorted((s for s in subjects if not s.known), key=lambda s: s.id)
    known = sorted((s for s in subjects if s.known), key=lambda s: s.id)
    eligible = [s for s in students if s.own_tokens >= MIN_OWN_TOKENS]
    groups = _identical_groups(eligible)
    reps = [g[0] for g in groups]
    index = _Index([s.kept for s in reps], common)
    verify = _Verifier(load, common, counts if counts is not None else {})
    found: list[Finding] = []
    for g in groups:
        found += [Finding(g[0].id, s.id, "identical", 1.0, "the same program once comments, docstrings and layout "
                                                         "are set aside") for s in g[1:]]
    for i, j in index.candidates(CANDIDATE_SHARE, capped=candidate_cap(len(reps))):
        a, b = reps[i], reps[j]
        f = verify.pair(a.id, b.id, "near_copy", NEAR_COPY)
        if f:
            found.append(f)
    for k in (k for k in known if k.own_tokens >= MIN_OWN_TOKENS):
        for i in index.matches(k.kept, CANDIDATE_SHARE):
            # Each member of an identical group on its own: same tokens, but its own lines for the regions.
            found += [f for f in (verify.pair(s.id, k.id, "known_source", KNOWN_SOURCE) for s in groups[i]) if f]
    found += _same_behaviour(students)
    return _merged(found)


def _identical_groups(subjects: list[Subject]) -> list[list[Subject]]:
    """Subjects grouped by identical digest, each group in id order, groups in the order of their first id."""
    groups: dict[str, list[Subject]] = {}
    for s in subjects:
        groups.setdefault(s.identical, []).append(s)
    return sorted(groups.values(), key=lambda g: g[0].id)


def _same_behaviour(students: list[Subject]) -> list[Finding]:
    groups: dict[str, list[Subject]] = collections.defaultdict(list)
    for s in students:
        if s.behaviour:
            groups[s.behaviour].append(s)
    found = []
    for g in groups.values():
        if len(g) < 2:
            continue
        found += [Finding(g[0].id, s.id, "same_behaviour", 1.0, "the same wrong numbers, bit for bit, on every "
                                                               f"public case; both fail {g[0].failing}")
                  for s in g[1:]]
    return found


def _merged(found: list[Finding]) -> list[Finding]:
    """One finding per pair: the strongest kind, naming the others it also shows."""
    by_pair: dict[tuple[str, str], list[Finding]] = collections.defaultdict(list)
    for f in found:
        by_pair[(f.student, f.other)].append(f)
    out = []
    for pair in sorted(by_pair):
        fs = sorted(by_pair[pair], key=lambda f: KINDS.index(f.kind))
        first = fs[0]
        first.also = sorted({f.kind for f in fs[1:]} - {first.kind}, key=KINDS.index)
        if first.also:
            first.detail += "; also " + ", ".join(first.also)
        if not first.regions:
            first.regions = next((f.regions for f in fs if f.regions), [])
        out.append(first)
    return out


class _Index:
    """The winnowed hashes of every subject in one sorted array, with who holds each: an inverted index in two
    numpy arrays, so memory grows with the hashes (4 + 4 bytes each), never with pairs. The index keeps 32 of a
    hash's 48 bits: a rare collision only proposes a pair, which the full comparison then judges."""

    def __init__(self, kept: list[np.ndarray], common: frozenset[int]):
        self.shared = _array(common)
        self.sets = [self._own(ks) for ks in kept]
        hashes = np.concatenate(self.sets) if self.sets else np.zeros(0, np.uint32)
        owners = np.concatenate([np.full(len(s), i, np.int32) for i, s in enumerate(self.sets)]) \
            if self.sets else np.zeros(0, np.int32)
        order = np.argsort(hashes, kind="stable")  # stable: each hash's holders stay in subject order
        self.hashes, self.owners = hashes[order], owners[order]

    def _own(self, kept: np.ndarray) -> np.ndarray:
        """A subject's uncommon hashes, cut to 32 bits, sorted and unique."""
        return _unique((kept[~_held(kept, self.shared)] >> 16).astype(np.uint32))

    def _holders(self, hashes: np.ndarray, cap: int | None) -> np.ndarray:
        lo = np.searchsorted(self.hashes, hashes, "left")
        hi = np.searchsorted(self.hashes, hashes, "right")
        if cap is not None:
            keep = hi - lo <= cap
            lo, hi = lo[keep], hi[keep]
        lengths = hi - lo
        # Every position from lo to hi of each hash, in one go: lo repeated, plus 0, 1, ... within each run.
        steps = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        return self.owners[np.repeat(lo, lengths) + steps]

    def candidates(self, share: float, *, capped: int) -> Iterable[tuple[int, int]]:
        """Pairs (i, j), i < j, sharing at least `share` of the smaller one's hashes, leaving out hashes held by
        more than `capped` subjects. One subject at a time, so the work is the postings it touches."""
        sizes = np.array([len(s) for s in self.sets])
        for i, mine in enumerate(self.sets):
            holders = self._holders(mine, capped)
            counts = np.bincount(holders[holders > i])
            others = np.flatnonzero(counts)
            shared = counts[others]
            need = np.maximum(1, share * np.minimum(sizes[i], sizes[others]))
            for j in others[shared >= need]:
                yield i, int(j)

    def matches(self, kept: np.ndarray, share: float) -> list[int]:
        """Subjects sharing at least `share` of the smaller side's hashes with `kept`, every posting counted."""
        mine = self._own(kept)
        others, shared = np.unique(self._holders(mine, None), return_counts=True)
        sizes = np.array([len(self.sets[j]) for j in others], dtype=float)
        need = np.maximum(1, share * np.minimum(len(mine), sizes))
        return [int(j) for j in others[shared >= need]]


@dataclass(frozen=True)
class Score:
    """How much of two files match: the share of each one's own tokens that lie in a k-gram the other holds
    somewhere, and the matching own tokens on the side with fewer."""
    share_a: float
    share_b: float
    matched: int

    @property
    def similarity(self) -> float:
        return max(self.share_a, self.share_b)


@dataclass(frozen=True)
class _Prepared:
    """A Print's arrays for comparisons, computed once: its k-grams, which are not common, its own tokens, and
    its distinct uncommon k-grams sorted (to look others' up in)."""
    print: Print
    kgrams: np.ndarray
    uncommon: np.ndarray   # per k-gram: not a common one
    own: np.ndarray        # per token: the author's own
    lookup: np.ndarray


def _prepare(p: Print, common: frozenset[int]) -> _Prepared:
    kgrams = np.asarray(p.kgrams, dtype=np.int64)
    uncommon = ~_held(kgrams, _array(common))
    return _Prepared(p, kgrams, uncommon, ~_spread(~uncommon, len(p.starts)), _unique(kgrams[uncommon]))


def _unique(values: np.ndarray) -> np.ndarray:
    """np.unique(values) for a 1-D integer array (sorted, distinct), without the check for a masked array that
    imports numpy.ma on np.unique's first call: ~12 ms in every batch worker (printstore.store) and in the
    similarity pass, for nothing."""
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def score(a: Print, b: Print, common: frozenset[int]) -> Score:
    """The exact comparison of two Prints: every k-gram, not only the winnowed ones."""
    return _score(_prepare(a, common), _prepare(b, common))


def _score(a: _Prepared, b: _Prepared) -> Score:
    cover_a = int((_spread(_held(a.kgrams, b.lookup) & a.uncommon, len(a.own)) & a.own).sum())
    cover_b = int((_spread(_held(b.kgrams, a.lookup) & b.uncommon, len(b.own)) & b.own).sum())
    return Score(cover_a / max(1, int(a.own.sum())), cover_b / max(1, int(b.own.sum())), min(cover_a, cover_b))


def _held(values: np.ndarray, sorted_unique: np.ndarray) -> np.ndarray:
    """For each value: whether `sorted_unique` holds it."""
    if not len(sorted_unique):
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(sorted_unique, values), len(sorted_unique) - 1)
    return sorted_unique[at] == values


class _Verifier:
    """Scores candidate pairs and turns those above a threshold into findings, with the matched regions."""

    def __init__(self, load: Callable[[str], Print], common: frozenset[int], counts: dict[str, int]):
        self.common, self.counts = common, counts
        self.prepared = functools.lru_cache(maxsize=64)(lambda ident: _prepare(load(ident), common))

    def pair(self, a: str, b: str, kind: str, threshold: float) -> Finding | None:
        self.counts["verified"] = self.counts.get("verified", 0) + 1
        pa, pb = self.prepared(a), self.prepared(b)
        s = _score(pa, pb)
        if s.similarity < threshold or s.matched < MIN_MATCHED_TOKENS:
            return None
        runs = matching_runs(pa.print.kgrams, pb.print.kgrams, self.common)
        regions = _regions(runs, pa.print, pb.print, pa.own, pb.own)
        where = "the known file" if kind == "known_source" else b
        detail = (f"{100 * s.share_a:.0f} % of {a}'s own code and {100 * s.share_b:.0f} % of {where}'s match, "
                  f"in {len(regions)} region{'s' if len(regions) != 1 else ''}: " +
                  ", ".join(f"lines {r.student[0]}-{r.student[1]} ~ {r.other[0]}-{r.other[1]}" for r in regions[:8])
                  + (" ..." if len(regions) > 8 else ""))
        return Finding(a, b, kind, round(s.similarity, 3), detail, regions)


def own_count(p: Print, common: frozenset[int]) -> int:
    """How many tokens of `p` are its author's own: covered by no common k-gram."""
    return int(_prepare(p, common).own.sum())


def _spread(starts: np.ndarray, n_tokens: int) -> np.ndarray:
    """The tokens covered by the k-grams that start where `starts` is True (K tokens from each)."""
    edges = np.zeros(n_tokens + 1, np.int32)
    at = np.flatnonzero(starts)
    edges[at] += 1
    edges[at + K] -= 1
    return np.cumsum(edges[:-1]) > 0


@functools.lru_cache(maxsize=4)
def _array(common: frozenset[int]) -> np.ndarray:
    """The hashes, sorted (for _held)."""
    return np.sort(np.fromiter(common, dtype=np.int64, count=len(common)))


def matching_runs(a: tuple[int, ...], b: tuple[int, ...], common: frozenset[int]) -> list[tuple[int, int, int]]:
    """Runs of k-grams found in both, in the same order: (start in a, start in b, number of tokens covered). Each
    stretch of either file is matched once: the longest runs are taken first (greedy string tiling, as JPlag
    does), and a run most of whose tokens on either side are already matched is left out."""
    where_b: dict[int, list[int]] = collections.defaultdict(list)
    for q, h in enumerate(b):
        if h not in common:
            where_b[h].append(q)
    pairs = {(p, q) for p, h in enumerate(a) if h in where_b for q in where_b[h]}
    runs = []
    for p, q in pairs:
        if (p - 1, q - 1) in pairs:
            continue  # inside a run counted from its start
        n = 1
        while (p + n, q + n) in pairs:
            n += 1
        runs.append((p, q, n + K - 1))
    taken: list[tuple[int, int, int]] = []
    seen_a: set[int] = set()
    seen_b: set[int] = set()
    for p, q, n in sorted(runs, key=lambda r: (-r[2], r[0], r[1])):
        span_a, span_b = range(p, p + n), range(q, q + n)
        if sum(i in seen_a for i in span_a) * 2 > n or sum(i in seen_b for i in span_b) * 2 > n:
            continue
        taken.append((p, q, n))
        seen_a.update(span_a)
        seen_b.update(span_b)
    return sorted(taken)


def _regions(runs: list[tuple[int, int, int]], a: Print, b: Print, own_a: np.ndarray,
             own_b: np.ndarray) -> list[Region]:
    """The runs as line ranges, in the order of the student's file, each trimmed to its own tokens (a run may
    begin or end in the starter's lines). Runs that follow one another on both sides, with nothing of either
    file's own between them (the common code that interrupts a run), or on adjacent lines, become one region."""
    spans: list[list[int]] = []   # [first in a, last in a, first in b, last in b], token positions
    for p, q, n in runs:
        mine = np.flatnonzero(own_a[p:p + n]) + p
        if not len(mine):
            continue
        span = [int(mine[0]), int(mine[-1]), q + int(mine[0]) - p, q + int(mine[-1]) - p]
        if spans and _joins(spans[-1], span, own_a, own_b):
            spans[-1][1], spans[-1][3] = max(spans[-1][1], span[1]), max(spans[-1][3], span[3])
        else:
            spans.append(span)
    regions: list[Region] = []
    for fa, la, fb, lb in spans:
        r = Region((a.starts[fa], a.ends[la]), (b.starts[fb], b.ends[lb]))
        last = regions[-1] if regions else None
        if last and r.student[0] <= last.student[1] + 1 and last.other[0] <= r.other[0] <= last.other[1] + 1:
            r = Region((last.student[0], max(last.student[1], r.student[1])),
                       (last.other[0], max(last.other[1], r.other[1])))  # next to each other, line by line
            regions.pop()
        regions.append(r)
    return regions


def _joins(before: list[int], after: list[int], own_a: np.ndarray, own_b: np.ndarray) -> bool:
    """`after` continues `before` on both sides: it starts no earlier, and only common code (or nothing) lies
    between them in either file."""
    if after[0] < before[0] or after[2] < before[2]:
        return False
    return not own_a[before[1] + 1:after[0]].any() and not own_b[before[3] + 1:after[2]].any()
