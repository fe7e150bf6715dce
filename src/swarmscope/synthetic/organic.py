"""The organic social background: many independent accounts posting, reposting, replying and
quoting over the window.

Model (all draws vectorised over actions):

- **Accounts** live in one UTC offset each (weights in :class:`~.scenario.Organic`), follow a
  "leisure" or "job" schedule (:mod:`.clock`) with a personal phase, and act
  ``1 + lognormal(log(median), sigma)`` times: most a few times, some hundreds.
- **Kinds**: each account draws its own post/repost/reply/quote mix from a Dirichlet around
  the scenario's mean mix, so some accounts mostly repost and some mostly write.
- **Posts** carry Zipf-distributed words, hashtags, URLs and mentions (:mod:`.content`).
- **Reactions** target earlier organic posts (:func:`~.world.pick_targets`): lognormal delays
  and Pareto attractiveness scaled by the author's activity, so object popularity is Zipf-like.
  A reply mentions the parent's author and starts with ``@author``, as on Twitter.

Operations reuse :func:`organic_looking` for the share of their members' actions that should
look organic.

Example::

    >>> from swarmscope.synthetic.world import World
    >>> from swarmscope.synthetic.scenario import Scenario
    >>> w = World.create(Scenario(), scale=0.002, seed=1)
    >>> accounts, activity = allocate_organic(w)
    >>> w.social.assign_names(w.rng("names"), w.vocab.handles(w.rng("names"), len(w.social)))
    >>> build_organic(w, accounts, activity)
    >>> len(w.rows) > 0 and len(w.posts) > 0
    True
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .clock import SCHEDULES, Schedule, sample_times
from .content import with_tags_and_mentions
from .rows import POST, QUOTE, REPLY, REPOST, Block, empty_lists, lists_from
from .world import PostIndex, World, pick_targets


def allocate_organic(world: World) -> tuple[np.ndarray, np.ndarray]:
    """Allocate the organic accounts; return their indices and action counts."""
    org = world.scenario.organic
    rng = world.rng("organic-accounts")
    n = world.scenario.background(org.accounts, world.scale, minimum=400)
    activity = 1 + np.floor(rng.lognormal(np.log(org.activity_median), org.activity_sigma, n))
    activity = np.minimum(activity, org.max_activity).astype(np.int64)
    offs = np.array([o for o, _ in org.utc_offsets])
    w = np.array([p for _, p in org.utc_offsets])
    offset = offs[rng.choice(len(offs), size=n, p=w / w.sum())]
    schedule = np.where(rng.random(n) < org.job_share, "job", "leisure").astype(object)
    phase = np.where(schedule == "job", rng.normal(0, SCHEDULES["job"].phase_sd, n),
                     rng.normal(0, SCHEDULES["leisure"].phase_sd, n))
    idx = world.social.add(n, role="organic", offset=offset, schedule=schedule, phase=phase)
    world.organic_accounts, world.organic_activity = idx, activity
    return idx, activity


def account_times(world: World, rng: np.random.Generator, accounts: np.ndarray,
                  schedule: Schedule | None = None) -> np.ndarray:
    """One action time per element of ``accounts`` (each on its own schedule unless given)."""
    reg = world.social
    ts = np.zeros(len(accounts), dtype=np.int64)
    if schedule is not None:
        return sample_times(rng, reg.offset[accounts], schedule, world.start_us,
                            world.scenario.days, reg.phase[accounts], world.start_weekday)
    sched = reg.schedule[accounts]
    for name in sorted(set(sched.tolist())):
        m = sched == name
        ts[m] = sample_times(rng, reg.offset[accounts[m]], SCHEDULES[name], world.start_us,
                             world.scenario.days, reg.phase[accounts[m]], world.start_weekday)
    return ts


def post_content(world: World, rng: np.random.Generator, n: int, common: float | None = None,
                 hashtags: bool = True, urls: bool = True, mentions: bool = True
                 ) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """Text, urls, hashtags and mentions of ``n`` organic-looking posts."""
    org = world.scenario.organic
    maker = world.maker
    texts = maker.sentences(rng, n, common=org.common_text_rate if common is None else common)
    tags = maker.hashtag_lists(rng, n, org.hashtag_rate) if hashtags else empty_lists(n)
    url = maker.url_lists(rng, n, org.url_rate) if urls else empty_lists(n)
    if mentions:
        men = maker.mention_lists(rng, n, org.mention_rate, world.names_array(),
                                  world.organic_accounts, world.organic_activity)
    else:
        men = empty_lists(n)
    return with_tags_and_mentions(texts, tags, men), url, tags, men


def reply_content(world: World, rng: np.random.Generator, parent_authors: np.ndarray,
                  common: float | None = None) -> tuple[pa.Array, pa.Array]:
    """Text and mentions of replies: ``@author`` plus a short sentence."""
    n = len(parent_authors)
    org = world.scenario.organic
    texts = world.maker.sentences(rng, n, min_words=1, mean_extra=6.0,
                                  common=2 * org.common_text_rate if common is None else common)
    men = lists_from(np.ones(n, dtype=np.int32), world.names_array().take(pa.array(parent_authors)))
    return with_tags_and_mentions(texts, empty_lists(n), men), men


def reactions(world: World, rng: np.random.Generator, accounts: np.ndarray, ts: np.ndarray,
              kinds: np.ndarray, op: int = -1, detail: str | None = None,
              index: PostIndex | None = None, delay_median_s: float | None = None) -> None:
    """Add reposts, replies and quotes by ``accounts`` at ``ts`` to targets in ``index``."""
    index = index or world.posts
    assert index is not None
    delay = delay_median_s or world.scenario.organic.reaction_delay_median_s
    pos = pick_targets(rng, index, ts, delay)
    ok = pos >= 0
    ok[ok] = index.author[pos[ok]] != accounts[ok]  # nobody reacts to their own post here
    accounts, ts, kinds, pos = accounts[ok], ts[ok], kinds[ok], pos[ok]
    target = index.rows[pos]
    author = index.author[pos]
    for kind in (REPOST, REPLY, QUOTE):
        m = kinds == kind
        if not m.any():
            continue
        if kind == REPOST:
            world.rows.add(Block.of(accounts[m], ts[m], "repost", repost=target[m], op=op,
                                    detail=detail))
        elif kind == REPLY:
            text, men = reply_content(world, rng, author[m])
            world.rows.add(Block.of(accounts[m], ts[m], "reply", parent=target[m], text=text,
                                    mentions=men, op=op, detail=detail))
        else:
            text, url, tags, men = post_content(world, rng, int(m.sum()), urls=False)
            world.rows.add(Block.of(accounts[m], ts[m], "quote", repost=target[m], text=text,
                                    hashtags=tags, mentions=men, op=op, detail=detail))


def build_organic(world: World, accounts: np.ndarray, activity: np.ndarray) -> None:
    """Generate the organic background; sets ``world.posts`` to the organic posts."""
    org = world.scenario.organic
    rng = world.rng("organic-actions")
    actor = np.repeat(accounts, activity)
    local = np.repeat(np.arange(len(accounts)), activity)
    ts = account_times(world, rng, actor)
    mix = rng.dirichlet(np.asarray(org.kind_mix) * 6.0, size=len(accounts))
    cum = np.cumsum(mix, axis=1)[local]
    kinds = (rng.random(len(actor))[:, None] > cum[:, :-1]).sum(axis=1).astype(np.int8)

    pm = kinds == POST
    n_posts = int(pm.sum())
    text, url, tags, men = post_content(world, rng, n_posts)
    rows = world.rows.add(Block.of(actor[pm], ts[pm], "post", text=text, urls=url,
                                   hashtags=tags, mentions=men))
    # Popular accounts' posts draw more reactions; Pareto spread gives a heavy tail per post.
    author_pop = (activity[local[pm]] / max(1.0, float(np.median(activity)))) ** 0.5
    weight = (rng.pareto(org.popularity_shape, n_posts) + 1.0) * author_pop
    world.posts = PostIndex.build(rows, ts[pm], actor[pm], weight)

    rm = ~pm
    reactions(world, rng, actor[rm], ts[rm], kinds[rm])


def organic_looking(world: World, rng: np.random.Generator, accounts: np.ndarray,
                    counts: np.ndarray, op: int, schedule: Schedule | None = None,
                    allow_replies: bool = True, detail: str = "organic-looking") -> None:
    """Ordinary-looking actions of operation members (the scenario's *mixing* share)."""
    actor = np.repeat(accounts, counts)
    if len(actor) == 0:
        return
    ts = account_times(world, rng, actor, schedule)
    mix = np.array(world.scenario.organic.kind_mix, dtype=float)
    if not allow_replies:
        mix[REPLY] = 0.0
    kinds = rng.choice(4, size=len(actor), p=mix / mix.sum()).astype(np.int8)
    pm = kinds == POST
    if pm.any():
        text, url, tags, men = post_content(world, rng, int(pm.sum()))
        world.rows.add(Block.of(actor[pm], ts[pm], "post", text=text, urls=url, hashtags=tags,
                                mentions=men, op=op, detail=detail))
    reactions(world, rng, actor[~pm], ts[~pm], kinds[~pm], op=op, detail=detail)
