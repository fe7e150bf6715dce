"""Organic behaviour that looks coordinated to a naive detector (all labelled 0).

- **Viral bursts**: an organic post reposted by thousands of organic accounts within an hour.
  Each pair of reposters co-acts once; a ring co-acts on dozens of objects.
- **Viral replies**: one organic post (never a trigger post) gets hundreds of replies within
  minutes, from accounts that otherwise never meet.
- **Shared event**: many accounts post the same hashtag within minutes of a real-world moment.
- **Fan community**: 30-200 organic accounts quickly repost their idol's every post.
- **News bots**: outlets post links round the clock; bots repost every outlet post, or post its
  headline and link, within seconds, round the clock, and do nothing else.

Each writes its ground truth into ``world.truth`` (``operations.json`` lists them under
``confounders``) and tags its actions in ``labels/actions.csv``.

Example::

    >>> from swarmscope.synthetic.scenario import Confounders
    >>> Confounders.none().news_bots
    False
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .clock import SCHEDULES, sample_times
from .content import join_nonempty
from .organic import account_times, post_content, reply_content
from .rows import Block, lists_from
from .world import SECOND_US, World, iso_utc


def _top_k_weighted(rng: np.random.Generator, candidates: np.ndarray, weights: np.ndarray,
                    k: int) -> np.ndarray:
    """``k`` distinct candidates, drawn with probability ~ weight (Gumbel top-k)."""
    keys = np.log(np.maximum(weights, 1e-12)) + rng.gumbel(size=len(candidates))
    k = min(k, len(candidates))
    return candidates[np.argpartition(-keys, k - 1)[:k]] if k > 0 else candidates[:0]


def _truncated_exponential(rng: np.random.Generator, mean_s: float, cap_s: float, n: int
                           ) -> np.ndarray:
    u = rng.random(n)
    return -mean_s * np.log(1 - u * (1 - np.exp(-cap_s / mean_s)))


class ConfounderPlan:
    """Accounts of the confounders, allocated before names are drawn."""

    def __init__(self, world: World) -> None:
        self.world = world
        c = world.scenario.confounders
        sc, scale = world.scenario, world.scale
        reg = world.social
        rng = world.rng("confounder-accounts")
        self.idol = self.outlets = self.bots = np.zeros(0, dtype=np.int64)
        if c.fan_community:
            self.idol = reg.add(1, role="idol", offset=float(rng.choice([-5.0, 0.0, 1.0])),
                                schedule="leisure")
        if c.news_bots:
            n_out = sc.part_size("news_outlets", c.news_outlets, scale)
            n_bot = sc.part_size("news_bot_accounts", c.news_bot_accounts, scale)
            out_off = rng.choice([-5.0, 0.0, 1.0, -8.0], size=n_out)
            self.outlets = reg.add(n_out, role="news_outlet", offset=out_off, schedule="newsroom")
            self.bots = reg.add(n_bot, role="news_bot", offset=0.0, schedule="round-the-clock")

    def build(self) -> None:
        w = self.world
        c = w.scenario.confounders
        if c.viral_bursts:
            self._viral_bursts()
        if c.viral_replies:
            self._viral_replies()
        if c.shared_event:
            self._shared_event()
        if c.fan_community:
            self._fans()
        if c.news_bots:
            self._news()

    # -----------------------------------------------------------------------------------------

    def _reactors(self, rng: np.random.Generator, k: int, exclude: int) -> np.ndarray:
        w = self.world
        cand = w.organic_accounts[w.organic_accounts != exclude]
        act = w.organic_activity[w.organic_accounts != exclude].astype(float)
        return _top_k_weighted(rng, cand, np.sqrt(act), k)

    def _viral_bursts(self) -> None:
        w = self.world
        c = w.scenario.confounders
        rng = w.rng("viral-bursts")
        posts = w.posts
        assert posts is not None
        n = w.scenario.part_size("viral_burst_count", c.viral_burst_count, w.scale)
        size = max(w.scenario.background(c.viral_burst_size, w.scale, 0),
                   w.scenario.part_size("viral_burst_size", 0, w.scale))
        day = 86_400 * SECOND_US
        chosen = posts.claim(rng, n, w.start_us + day, w.end_us - day, weighted=True)
        bursts = []
        for pos in chosen:
            who = self._reactors(rng, size, int(posts.author[pos]))
            delay = (5 + _truncated_exponential(rng, 720.0, 3_600.0, len(who))) * SECOND_US
            ts = posts.ts[pos] + delay.astype(np.int64)
            w.rows.add(Block.of(who, ts, "repost", repost=np.full(len(who), posts.rows[pos]),
                                detail="viral-burst"))
            bursts.append({"post_row": int(posts.rows[pos]), "reposts": len(who)})
        w.truth["viral-bursts"] = {"type": "viral_burst", "window_s": 3_600,
                                   "bursts": bursts}

    def _viral_replies(self) -> None:
        w = self.world
        c = w.scenario.confounders
        rng = w.rng("viral-replies")
        posts = w.posts
        assert posts is not None
        size = max(w.scenario.background(c.viral_reply_size, w.scale, 0),
                   w.scenario.part_size("viral_reply_size", 0, w.scale))
        day = 86_400 * SECOND_US
        pos = posts.claim(rng, 1, w.start_us + 2 * day, w.end_us - 2 * day, weighted=True)
        if len(pos) == 0:
            return
        p = pos[0]
        who = self._reactors(rng, size, int(posts.author[p]))
        ts = posts.ts[p] + (rng.uniform(30, 900, len(who)) * SECOND_US).astype(np.int64)
        text, men = reply_content(w, rng, np.full(len(who), posts.author[p]))
        w.rows.add(Block.of(who, ts, "reply", parent=np.full(len(who), posts.rows[p]),
                            text=text, mentions=men, detail="viral-replies"))
        w.truth["viral-replies"] = {"type": "viral_replies", "post_row": int(posts.rows[p]),
                                    "replies": len(who), "delay_s": [30, 900]}

    def _shared_event(self) -> None:
        w = self.world
        c = w.scenario.confounders
        rng = w.rng("shared-event")
        day = int(rng.integers(min(8, w.scenario.days - 1), max(9, w.scenario.days - 8)))
        t0 = w.start_us + day * 86_400 * SECOND_US + int((19 + rng.random() * 2) * 3_600) * SECOND_US
        k = max(30, int(round(c.event_share * len(w.organic_accounts))))
        who = _top_k_weighted(rng, w.organic_accounts, np.sqrt(w.organic_activity.astype(float)), k)
        ts = t0 + (_truncated_exponential(rng, 240.0, 1_800.0, len(who)) * SECOND_US).astype(np.int64)
        tag = w.vocab.hashtags[int(rng.integers(20, 200))]
        text, url, tags, men = post_content(w, rng, len(who), common=0.25, hashtags=False)
        tags = lists_from(np.ones(len(who), dtype=np.int32), pa.array([tag] * len(who), pa.string()))
        text = join_nonempty(text, pa.array(["#" + tag] * len(who), pa.string()))
        w.rows.add(Block.of(who, ts, "post", text=text, urls=url, hashtags=tags, mentions=men,
                            detail="shared-event"))
        w.truth["shared-event"] = {"type": "shared_event", "hashtag": tag,
                                   "start": iso_utc(t0), "posts": len(who), "window_s": 1_800}

    def _fans(self) -> None:
        w = self.world
        c = w.scenario.confounders
        rng = w.rng("fans")
        idol = int(self.idol[0])
        size = w.scenario.part_size("fan_size", c.fan_size, w.scale)
        active = w.organic_accounts[w.organic_activity >= 3]
        fans = np.sort(rng.choice(active, size=min(size, len(active)), replace=False))
        w.social.set_role(fans, "fan")
        n_posts = max(5, int(round(c.idol_posts_per_day * w.scenario.days)))
        ts = account_times(w, rng, np.full(n_posts, idol))
        text, url, tags, men = post_content(w, rng, n_posts, common=0.0)
        rows = w.rows.add(Block.of(np.full(n_posts, idol), ts, "post", text=text, urls=url,
                                   hashtags=tags, mentions=men, detail="idol-post"))
        take = rng.random((n_posts, len(fans))) < c.fan_repost_probability
        pi, fi = np.nonzero(take)
        delay = np.clip(rng.lognormal(np.log(180.0), 1.0, len(pi)), 10, 7_200) * SECOND_US
        w.rows.add(Block.of(fans[fi], ts[pi] + delay.astype(np.int64), "repost",
                            repost=rows[pi], detail="fan-repost"))
        w.truth["fan-community"] = {
            "type": "fan_community", "idol": w.social.names[idol],
            "members": [w.social.names[i] for i in fans],
            "repost_probability": c.fan_repost_probability, "delay_median_s": 180}

    def _news(self) -> None:
        w = self.world
        c = w.scenario.confounders
        rng = w.rng("news")
        outlets, bots = self.outlets, self.bots
        per = max(3, int(round(c.outlet_posts_per_day * w.scenario.days)))
        author = np.repeat(outlets, per)
        ts = sample_times(rng, w.social.offset[author], SCHEDULES["newsroom"], w.start_us, w.scenario.days,
                          None, w.start_weekday)
        n = len(author)
        dom_of = {int(o): i for i, o in enumerate(outlets)}  # outlets own the top domains
        doms = [w.vocab.domains[dom_of[int(a)]] for a in author]
        slug_words = w.maker.word_indices(rng, 3 * n).reshape(n, 3)
        words = w.vocab.words
        urls = [f"https://{d}/news/{iso_utc(t)[:10].replace('-', '/')}/"
                f"{words[s[0]]}-{words[s[1]]}-{words[s[2]]}-{i}"
                for i, (d, t, s) in enumerate(zip(doms, ts, slug_words, strict=True))]
        heads = w.maker.sentences(rng, n, min_words=5, mean_extra=5, capitalize=1.0, emoji=0.0)
        url_arr = pa.array(urls, pa.string())
        text = join_nonempty(heads, url_arr)
        ones = np.ones(n, dtype=np.int32)
        rows = w.rows.add(Block.of(author, ts, "post", text=text, urls=lists_from(ones, url_arr),
                                   detail="news-post"))
        # Each bot follows a few outlets; "link" bots re-post the headline and link instead
        # of reposting (copy-paste look-alikes).
        follows = rng.random((len(bots), len(outlets))) < min(1.0, 3.0 / max(1, len(outlets)))
        follows[np.arange(len(bots)), rng.integers(0, len(outlets), len(bots))] = True
        link_bot = np.zeros(len(bots), dtype=bool)
        link_bot[rng.permutation(len(bots))[: max(1, int(round(0.35 * len(bots))))]] = True
        if len(bots) >= 2 and link_bot.all():
            link_bot[0] = False
        outlet_pos = np.searchsorted(outlets, author)
        pi, bi = np.nonzero(follows[:, outlet_pos].T)
        delay = np.clip(rng.lognormal(np.log(8.0), 0.7, len(pi)), 1.0, 120.0) * SECOND_US
        bts = ts[pi] + delay.astype(np.int64)
        rep = ~link_bot[bi]
        w.rows.add(Block.of(bots[bi[rep]], bts[rep], "repost", repost=rows[pi[rep]],
                            detail="news-bot"))
        lk = ~rep
        variant = np.where(rng.random(int(lk.sum())) < 0.5, "?utm_source=bot&utm_medium=feed", "")
        lurls = pa.array([urls[p] + v for p, v in zip(pi[lk], variant, strict=True)],
                         pa.string())
        ltext = join_nonempty(heads.take(pa.array(pi[lk])), lurls)
        w.rows.add(Block.of(bots[bi[lk]], bts[lk], "post", text=ltext,
                            urls=lists_from(np.ones(int(lk.sum()), dtype=np.int32), lurls),
                            detail="news-bot"))
        w.truth["news-bots"] = {
            "type": "news_bots", "outlets": [w.social.names[i] for i in outlets],
            "bots": [w.social.names[i] for i in bots],
            "link_bots": [w.social.names[b] for b, lb in zip(bots, link_bot, strict=True) if lb],
            "delay_median_s": 8}
