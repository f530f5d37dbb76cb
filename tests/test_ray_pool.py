"""The Ray engine's actor pool (trpipe.engines.ray_pool) against a fake Ray: results in input order, a bounded
number of groups taken from the feed, a lost actor's group sent to another actor, a group that keeps
killing actors failed alone, replacements that join, and a run with no actor left stopped with a reason.
(The same pool on a real multi-node cluster: tests/test_ray_cluster.py.)"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from trpipe.engines.ray_pool import END, ActorPool, Group, RayRunError


class RayActorError(Exception):
    pass


class ActorUnavailableError(RayActorError):
    pass


class RayTaskError(Exception):
    cause = None


class Ref:
    def __init__(self, value=None, error=None, ready=True):
        self.value, self.error, self.ready = value, error, ready


class FakeRay:
    """Just what the pool uses: ``wait``, ``get``, ``kill``, ``nodes`` and the actor exceptions."""

    exceptions = SimpleNamespace(
        RayActorError=RayActorError, ActorUnavailableError=ActorUnavailableError, RayTaskError=RayTaskError
    )

    def __init__(self):
        self.alive_nodes: set[str] = set()
        self.killed: list = []

    def wait(self, refs, num_returns=1, timeout=None):
        ready = [r for r in refs if r.ready][:num_returns]
        return ready, [r for r in refs if r not in ready]

    def get(self, ref):
        if ref.error is not None:
            raise ref.error
        return ref.value

    def kill(self, handle, no_restart=True):
        self.killed.append(handle)

    def nodes(self):
        return [{"NodeID": node, "Alive": True} for node in self.alive_nodes]


class Actor:
    """An actor on ``node``: translates a group (an echo of its rows) or dies, as ``behave`` says."""

    serial = itertools.count()

    def __init__(self, ray: FakeRay, node: str, behave=None, ready=True):
        self.name = f"actor-{next(self.serial)}"
        self.node, self.behave, self.calls = node, behave, []
        ray.alive_nodes.add(node)
        info = {"actor": self.name, "node": node * 4, "host": "host"}
        self.ready = SimpleNamespace(remote=lambda: Ref(info, ready=ready))
        self.run = SimpleNamespace(remote=self._run)

    def _run(self, rows):
        self.calls.append([row["index"] for row in rows])
        outcome = self.behave(self, rows) if self.behave else None
        if isinstance(outcome, Exception):
            return Ref(error=outcome)
        return Ref([(row["index"], f"doc {row['index']} by {self.name}", {"ok": True}) for row in rows])


class Feed:
    """A feed of ``count`` groups of two rows; remembers how many groups were taken."""

    def __init__(self, count: int):
        self.groups = [Group([{"index": 2 * g}, {"index": 2 * g + 1}]) for g in range(count)]
        self.taken = 0

    def get(self, timeout=0):
        if self.taken == len(self.groups):
            return END
        self.taken += 1
        return self.groups[self.taken - 1]


def pool_of(ray, actors, size=None, start_s=0.2):
    made = iter(actors)
    warnings: list[str] = []
    pool = ActorPool(ray, lambda: next(made), size or len(actors), warnings.append, start_s, "1 CPU")
    return pool, warnings


def indices(results) -> list[int]:
    return [index for _, rows in results for index, _, _ in rows]


def test_results_come_back_in_input_order_and_the_feed_is_read_a_window_ahead():
    """The first group stays in flight while the other actor finishes everything it gets: the pool takes no
    more than its window of groups from the feed until the first one is written, then all, in order."""
    ray = FakeRay()
    held: list[Ref] = []
    feed = Feed(20)
    seen_while_held: list[int] = []

    first = Actor(ray, "a")

    def run_first(rows):
        first.calls.append([row["index"] for row in rows])
        ref = Ref([(r["index"], "late", {"ok": True}) for r in rows], ready=len(first.calls) > 1)
        held.append(ref)
        return ref

    first.run = SimpleNamespace(remote=run_first)
    waits = itertools.count()
    real_wait = ray.wait

    def wait(refs, num_returns=1, timeout=None):
        if held and not held[0].ready:
            seen_while_held.append(feed.taken)
            if next(waits) > 50:  # time passes: the first group comes back
                held[0].ready = True
        return real_wait(refs, num_returns, timeout)

    ray.wait = wait
    pool, _ = pool_of(ray, [first, Actor(ray, "b")])
    pool.start()
    results = list(pool.run(feed))
    assert indices(results) == list(range(40))  # in order, each once
    assert seen_while_held and max(seen_while_held) <= pool.window, "the feed was read beyond the window"


def test_a_node_lost_mid_group_sends_the_group_to_another_actor_and_names_the_node():
    ray = FakeRay()

    def die_on_second(actor, rows):
        if len(actor.calls) == 2:
            ray.alive_nodes.discard(actor.node)
            return RayActorError("The actor died because its node has died. Node Id: aaaa")
        return None

    doomed, other = Actor(ray, "a", die_on_second), Actor(ray, "b")
    replacement = Actor(ray, "c", ready=False)  # the cluster has no room for it
    pool, warnings = pool_of(ray, [doomed, other, replacement], size=2)
    pool.start()
    results = list(pool.run(Feed(6)))
    assert indices(results) == list(range(12))
    assert len(doomed.calls) == 2 and len(other.calls) + 1 == 6  # the lost group went to the other actor
    assert any("Ray node host (aaaa" in w and "was lost" in w and "goes on with 1 actor(s)" in w for w in warnings)
    pool.stop()
    assert replacement in ray.killed  # the replacement that never started is not left behind


def test_a_group_that_kills_its_actors_fails_alone_after_three_tries():
    ray = FakeRay()

    def poisoned(actor, rows):
        return RayActorError("worker crashed") if rows[0]["index"] == 4 else None

    actors = [Actor(ray, f"n{i}", poisoned) for i in range(5)]
    pool, _ = pool_of(ray, actors, size=2)
    pool.start()
    results = list(pool.run(Feed(4)))
    by_index = {i: meta for _, rows in results for i, _, meta in rows}
    assert sorted(by_index) == list(range(8))
    assert by_index[4]["ok"] is False and "lost 3 times" in by_index[4]["error"]
    assert all(by_index[i]["ok"] for i in (0, 1, 2, 3, 6, 7))


def test_a_replacement_that_starts_later_joins_the_pool():
    ray = FakeRay()

    def die_once(actor, rows):
        return RayActorError("The actor died because its node has died.") if len(actor.calls) == 1 else None

    replacement = Actor(ray, "c")
    pool, _ = pool_of(ray, [Actor(ray, "a", die_once), Actor(ray, "b"), replacement], size=2)
    pool.start()
    assert indices(pool.run(Feed(8))) == list(range(16))
    assert replacement.calls, "the replacement took no group"


def test_no_actor_left_stops_the_run_with_the_reason():
    ray = FakeRay()

    def die(actor, rows):
        return RayActorError("The actor died because its node has died.")

    never = [Actor(ray, f"r{i}", ready=False) for i in range(4)]
    pool, _ = pool_of(ray, [Actor(ray, "a", die), *never], size=1, start_s=0.2)
    pool.start()
    with pytest.raises(RayRunError) as info:
        list(pool.run(Feed(3)))
    assert info.value.exit_code == 1
    assert "every Ray actor was lost" in str(info.value) and "run again to resume" in str(info.value)


def test_an_actor_that_cannot_start_stops_the_run_with_its_cause():
    ray = FakeRay()
    broken = Actor(ray, "a")
    failure = RayTaskError("constructor failed")
    failure.cause = ValueError("no such model folder")
    broken.ready = SimpleNamespace(remote=lambda: Ref(error=failure))
    pool, _ = pool_of(ray, [broken])
    with pytest.raises(RayRunError, match="a Ray actor could not start: no such model folder"):
        pool.start()
