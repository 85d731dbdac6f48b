"""The draw's unit-cap look-ahead (pure): can the slots left still be filled? (a small max-flow)."""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qjtitle.logic.draw_inputs import FREE_SLOT, Candidate, Request

_UNCAPPED_UNIT = "*"


def _step(edge: tuple[int, int] | None) -> tuple[int, int]:
    """The (node, edge index) a path reached a node by; every node on a found path has one."""
    assert edge is not None
    return edge


class _Flow:
    """Edmonds-Karp on an adjacency list; edges are [to, capacity, index of the reverse edge]."""

    def __init__(self) -> None:
        self.adj: list[list[list[int]]] = []

    def node(self) -> int:
        self.adj.append([])
        return len(self.adj) - 1

    def edge(self, u: int, v: int, cap: int) -> None:
        self.adj[u].append([v, cap, len(self.adj[v])])
        self.adj[v].append([u, 0, len(self.adj[u]) - 1])

    def run(self, s: int, t: int, limit: int) -> int:
        flow = 0
        while flow < limit:
            parent: list[tuple[int, int] | None] = [None] * len(self.adj)
            parent[s] = (s, -1)
            queue = deque([s])
            while queue and parent[t] is None:
                u = queue.popleft()
                for i, (v, cap, _) in enumerate(self.adj[u]):
                    if cap > 0 and parent[v] is None:
                        parent[v] = (u, i)
                        queue.append(v)
            if parent[t] is None:
                break
            push, v = limit - flow, t
            while v != s:
                u, i = _step(parent[v])
                push = min(push, self.adj[u][i][1])
                v = u
            v = t
            while v != s:
                u, i = _step(parent[v])
                e = self.adj[u][i]
                e[1] -= push
                self.adj[v][e[2]][1] += push
                v = u
            flow += push
        return flow


ALTERNATE_SLOT = "*alternate"  # the label of the alternate slots in a feasibility check

UnitKey = tuple[int, tuple[tuple[str, int], ...]]
"""A unit's situation: (room left under the cap, ((specialty, experts not yet picked, at most the room), ...)).
Units in the same situation are interchangeable, so the network has one node per situation."""


def _unit_key(room: int, counts: Mapping[str, int]) -> UnitKey:
    return room, tuple(sorted((s, min(n, room)) for s, n in counts.items() if n > 0))


@dataclass
class FillState:
    """What is left to fill, and with whom: the input of a feasibility check.

    The network is source → situation (units × room) → specialty (units × experts) →
    slot label (when the label accepts the specialty) → sink (slots left). Merging
    the units of one situation is exact: a flow of the merged node can be dealt back
    to its units round-robin, specialty by specialty, without passing any unit's room
    or experts. The slots can all be filled iff the maximum flow equals the slots left."""

    units: Counter[UnitKey]  # situation → how many units are in it
    demand: dict[str, int]  # slot label → slots left
    quota_specialties: frozenset[str]

    @property
    def total(self) -> int:
        return sum(self.demand.values())

    def slot_accepts(self, label: str, specialty: str) -> bool:
        if label == ALTERNATE_SLOT:
            return True
        if label == FREE_SLOT:
            return specialty not in self.quota_specialties
        return specialty == label

    def feasible(self) -> bool:
        total = self.total
        net = _Flow()
        s, t = net.node(), net.node()
        slot_nodes = {label: net.node() for label, n in self.demand.items() if n > 0}
        for label, node in slot_nodes.items():
            net.edge(node, t, self.demand[label])
        spec_nodes: dict[str, int] = {}
        for (room, counts), many in sorted(self.units.items()):
            if many <= 0 or room <= 0 or not counts:
                continue
            node = net.node()
            net.edge(s, node, min(many * room, total))
            for specialty, n in counts:
                if specialty not in spec_nodes:
                    spec_nodes[specialty] = net.node()
                    for label, slot in slot_nodes.items():
                        if self.slot_accepts(label, specialty):
                            net.edge(spec_nodes[specialty], slot, total)
                net.edge(node, spec_nodes[specialty], min(many * n, total))
        return net.run(s, t, total) == total

    def after_pick(self, key: UnitKey, specialty: str, label: str) -> FillState:
        """The state once a unit in situation ``key`` gave a ``specialty`` expert to slot ``label``."""
        room, counts = key
        units = Counter(self.units)
        units[key] -= 1
        left = {s: n - (s == specialty) for s, n in counts}
        units[_unit_key(room - 1, left)] += 1
        demand = dict(self.demand)
        demand[label] -= 1
        return FillState(+units, demand, self.quota_specialties)


class UnitPool:
    """The experts not yet picked, by unit, with each unit's room under the cap."""

    def __init__(self, candidates: Sequence[Candidate], request: Request):
        self.cap = request.unit_cap
        unlimited = len(candidates) + request.members + request.alternates + 1
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        for c in candidates:
            self.counts[self.unit(c)][c.specialty] += 1
        self.room = dict.fromkeys(self.counts, self.cap if self.cap is not None else unlimited)
        self.quota_specialties = frozenset(s for s, _ in request.quotas)

    def unit(self, candidate: Candidate) -> str:
        """Without a cap every expert counts as one unit, which keeps the network to a few nodes."""
        return candidate.unit if self.cap is not None else _UNCAPPED_UNIT

    def key(self, unit: str) -> UnitKey:
        return _unit_key(self.room[unit], self.counts[unit])

    def state(self, demand: Mapping[str, int]) -> FillState:
        units = Counter(self.key(u) for u, room in self.room.items() if room > 0)
        return FillState(units, {k: v for k, v in demand.items() if v > 0}, self.quota_specialties)

    def take(self, candidate: Candidate) -> None:
        unit = self.unit(candidate)
        self.counts[unit][candidate.specialty] -= 1
        self.room[unit] -= 1
