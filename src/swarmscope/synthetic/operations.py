"""The planted social operations (platform ``synthnet``), labelled 1 in the ground truth.

1. **Co-repost ring** (:class:`RingPlan`): members repost the same organic posts, each
   object's reposts within ``window_s`` seconds of the ring's first one (a member takes part
   with probability ``participation``). The coordinated-link / co-retweet pattern of Pacheco et
   al. 2021 ("Uncovering coordinated networks on social media", ICWSM) and Giglietto et al. 2020.
2. **Copy-paste text farm** (:class:`FarmPlan`): members post the same messages within
   ``window_s`` seconds with trivial changes (case, spaces, a different ``@mention``, a
   different shortened URL, an ``RT @x:`` prefix), which text normalisation undoes, and
   near-duplicates (a word changed or appended), which only near-duplicate matching (MinHash)
   finds (Keller et al. 2020, "Political astroturfing on Twitter", Political Communication 37).
3. **Keyword-triggered reply swarm** (:class:`SwarmPlan`): members reply ``min_delay_s`` to
   ``window_s`` seconds after organic posts that contain a trigger word chosen by the seed, a
   varying subset of the swarm per post; they never reply to anything else.
4. **Team-run personas** (:class:`PersonaPlan`): persona accounts active only on weekdays in
   two office shifts in one UTC offset, each shift with its own writing habits (punctuation,
   emoji, filler words), and regular staff accounts on office hours who repost the personas'
   new posts (the shift-work fingerprint of the IRA, Linvill & Warren 2020, "Troll factories",
   Political Communication 37).

Members' remaining actions (the ``mixing`` share) are organic-looking posts and reactions
(:func:`~.organic.organic_looking`).

Example::

    >>> from swarmscope.synthetic.scenario import Scenario
    >>> Scenario().ring.window_s
    120.0
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .clock import SCHEDULES, office_hours, sample_times
from .content import with_tags_and_mentions
from .organic import organic_looking
from .rows import POST, REPLY, REPOST, Block, empty_lists, lists_from
from .world import (
    FARM,
    OPERATION_IDS,
    PERSONAS,
    RING,
    SECOND_US,
    SWARM,
    PostIndex,
    World,
    pick_targets,
)

HOUR_US = 3_600 * SECOND_US
DAY_US = 24 * HOUR_US


def _names(world: World, idx: np.ndarray) -> list[str]:
    return [world.social.names[i] for i in idx]


def _poisson_counts(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    return rng.poisson(max(0.0, mean), n).astype(np.int64)


def _op_tags(world: World, rng: np.random.Generator, n: int) -> list[str]:
    """Hashtags an operation pushes: ordinary-looking tags from the middle of the ranking."""
    pick = rng.choice(np.arange(100, 1_000), size=n, replace=False)
    return [world.vocab.hashtags[i] for i in pick]


# ---------------------------------------------------------------------------------------------
# 1. Co-repost ring


class RingPlan:
    def __init__(self, world: World) -> None:
        self.world = world
        cfg = world.scenario.ring
        self.size = world.scenario.op_size("ring", cfg.size, world.scale)
        self.offset = world.op_offset(RING, cfg.utc_offset)
        self.members = world.social.add(self.size, role="co_repost_ring", label=1, op=RING,
                                        offset=self.offset, schedule="job")

    def build(self) -> None:
        w, cfg = self.world, self.world.scenario.ring
        rng = w.rng("ring")
        posts = w.posts
        assert posts is not None
        coordinated = cfg.activity * (1 - cfg.mixing)
        n_obj = max(1, int(round(coordinated / max(cfg.participation, 1e-6))))
        objects = posts.claim(rng, n_obj, w.start_us + 6 * HOUR_US, w.end_us - DAY_US)
        take = rng.random((len(objects), self.size)) < cfg.participation
        few = take.sum(axis=1) < 2
        for i in np.flatnonzero(few):  # an object with fewer than two reposters is no co-repost
            take[i, rng.choice(self.size, size=min(2, self.size), replace=False)] = True
        oi, mi = np.nonzero(take)
        first = posts.ts[objects] + (np.clip(
            rng.lognormal(np.log(cfg.reaction_delay_median_s), 0.8, len(objects)), 5, 86_400)
            * SECOND_US).astype(np.int64)
        ts = first[oi] + (rng.random(len(oi)) * cfg.window_s * SECOND_US).astype(np.int64)
        w.rows.add(Block.of(self.members[mi], ts, "repost", repost=posts.rows[objects][oi],
                            op=RING, detail="coordinated"))
        organic_looking(w, rng, self.members,
                        _poisson_counts(rng, cfg.activity * cfg.mixing, self.size), RING)
        w.truth[OPERATION_IDS[RING]] = {
            "type": "co_repost_ring", "platform": "synthnet", "members": _names(w, self.members),
            "utc_offset": self.offset, "schedule": "job",
            "parameters": {"window_s": cfg.window_s, "participation": cfg.participation,
                           "reaction_delay_median_s": cfg.reaction_delay_median_s,
                           "activity": cfg.activity, "mixing": cfg.mixing,
                           "objects": len(objects)},
            "object_rows": [int(r) for r in posts.rows[objects]],
        }


# ---------------------------------------------------------------------------------------------
# 2. Copy-paste text farm

_SHORTENERS = ("bit.ly", "tinyurl.com", "ow.ly", "buff.ly", "t.co")
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class FarmPlan:
    def __init__(self, world: World) -> None:
        self.world = world
        cfg = world.scenario.farm
        self.size = world.scenario.op_size("farm", cfg.size, world.scale)
        self.offset = world.op_offset(FARM, cfg.utc_offset)
        self.members = world.social.add(self.size, role="copy_paste_farm", label=1, op=FARM,
                                        offset=self.offset, schedule="job")

    def _short_url(self, rng: np.random.Generator) -> str:
        host = _SHORTENERS[int(rng.integers(0, len(_SHORTENERS)))]
        code = "".join(_ALNUM[i] for i in rng.integers(0, len(_ALNUM), 7))
        return f"https://{host}/{code}"

    def _variant(self, rng: np.random.Generator, body: str, first: str, has_url: bool,
                 near_dup: bool) -> tuple[str, str, list[str], list[str]]:
        """One copy of ``body``: (text, variant name, urls, mentions)."""
        w = self.world
        words = body.split(" ")
        kind = "copy"
        if near_dup:
            kind = "near-duplicate"
            if rng.random() < 0.5 and len(words) > 3:
                words[int(rng.integers(1, len(words)))] = w.vocab.words[
                    int(w.maker.word_indices(rng, 1)[0])]
            else:
                words.append(w.vocab.words[int(w.maker.word_indices(rng, 1)[0])])
        text = " ".join(words)
        r = rng.random(5)
        if r[0] < 0.35:
            text = text.upper() if rng.random() < 0.25 else text.lower() if rng.random() < 0.6 \
                else text.capitalize()
        if r[1] < 0.35:
            parts = text.split(" ")
            j = int(rng.integers(0, len(parts)))
            parts[j] = parts[j] + " " * int(rng.integers(1, 3))
            text = " ".join(parts) + (" " if rng.random() < 0.3 else "")
        mentions: list[str] = []
        if r[2] < 0.35:
            who = w.social.names[int(rng.choice(w.organic_accounts))]
            mentions = [who]
            text = f"@{who} {text}" if rng.random() < 0.5 else f"{text} @{who}"
        urls: list[str] = []
        if has_url:
            url = self._short_url(rng)
            urls = [url]
            text = f"{text} {url}"
        if r[3] < 0.15:
            text = f"RT @{first}: {text}"
            mentions = [first, *mentions]
        return text, kind, urls, mentions

    def build(self) -> None:
        w, cfg = self.world, self.world.scenario.farm
        rng = w.rng("farm")
        coordinated = cfg.activity * (1 - cfg.mixing)
        n_msg = max(1, int(round(coordinated / max(cfg.participation, 1e-6))))
        tags = _op_tags(w, rng, 3)
        job = SCHEDULES["job"]
        t0 = sample_times(rng, np.full(n_msg, self.offset), job, w.start_us, w.scenario.days,
                          None, w.start_weekday)
        acc, ts, texts, urls, mentions, hashtags, details, groups = [], [], [], [], [], [], [], []
        for k in range(n_msg):
            body = w.maker.phrase(rng, int(rng.integers(8, 19)))
            msg_tags = [tags[i] for i in sorted(rng.choice(3, size=int(rng.integers(0, 3)),
                                                           replace=False))]
            if msg_tags:
                body = body + " " + " ".join("#" + t for t in msg_tags)
            has_url = bool(rng.random() < 0.6)
            who = self.members[rng.random(self.size) < cfg.participation]
            if len(who) < 2:
                who = rng.choice(self.members, size=min(2, self.size), replace=False)
            who = rng.permutation(who)
            times = np.sort(t0[k] + (rng.random(len(who)) * cfg.window_s * SECOND_US)
                            .astype(np.int64))
            first = w.social.names[int(who[0])]
            for j, (a, t) in enumerate(zip(who, times, strict=True)):
                if j == 0:
                    url = [self._short_url(rng)] if has_url else []
                    text = body + (" " + url[0] if url else "")
                    variant, men = "original", []
                else:
                    text, variant, url, men = self._variant(
                        rng, body, first, has_url, bool(rng.random() < cfg.near_duplicate_rate))
                acc.append(a)
                ts.append(t)
                texts.append(text)
                urls.append(url)
                mentions.append(men)
                hashtags.append(msg_tags)
                details.append(variant)
                groups.append(f"message-{k}")
        n = len(acc)

        def lists(vals: list[list[str]]) -> pa.Array:
            return lists_from(np.array([len(v) for v in vals], dtype=np.int32),
                              [x for v in vals for x in v])

        w.rows.add(Block.of(np.array(acc), np.array(ts), "post", text=pa.array(texts, pa.string()),
                            urls=lists(urls), hashtags=lists(hashtags), mentions=lists(mentions),
                            op=FARM, detail=pa.array(details, pa.string()),
                            group=pa.array(groups, pa.string())))
        organic_looking(w, rng, self.members,
                        _poisson_counts(rng, cfg.activity * cfg.mixing, self.size), FARM)
        w.truth[OPERATION_IDS[FARM]] = {
            "type": "copy_paste_farm", "platform": "synthnet", "members": _names(w, self.members),
            "utc_offset": self.offset, "schedule": "job",
            "parameters": {"window_s": cfg.window_s, "participation": cfg.participation,
                           "near_duplicate_rate": cfg.near_duplicate_rate,
                           "activity": cfg.activity, "mixing": cfg.mixing, "messages": n_msg,
                           "copies": n, "hashtags": tags},
        }


# ---------------------------------------------------------------------------------------------
# 3. Keyword-triggered reply swarm


class SwarmPlan:
    def __init__(self, world: World) -> None:
        self.world = world
        cfg = world.scenario.swarm
        self.size = world.scenario.op_size("swarm", cfg.size, world.scale)
        self.offset = world.op_offset(SWARM, cfg.utc_offset)
        self.members = world.social.add(self.size, role="reply_swarm", label=1, op=SWARM,
                                        offset=self.offset, schedule="round-the-clock")

    def build(self) -> None:
        w, cfg = self.world, self.world.scenario.swarm
        rng = w.rng("swarm")
        posts = w.posts
        assert posts is not None
        lo, hi = cfg.participation
        coordinated = cfg.activity * (1 - cfg.mixing)
        n_trig = max(3, int(round(coordinated / max((lo + hi) / 2, 1e-6))))
        trig = posts.claim(rng, n_trig, w.start_us + HOUR_US, w.end_us - HOUR_US)
        word = w.vocab.words[w.trigger_word]
        self._plant_trigger(rng, posts.rows[trig], word)
        share = rng.uniform(lo, hi, len(trig))
        k = np.maximum(1, np.round(share * self.size)).astype(int)
        ti = np.repeat(np.arange(len(trig)), k)
        mi = np.concatenate([rng.choice(self.size, size=x, replace=False) for x in k])
        delay = rng.uniform(cfg.min_delay_s, cfg.window_s, len(ti)) * SECOND_US
        ts = posts.ts[trig][ti] + delay.astype(np.int64)
        authors = posts.author[trig][ti]
        # Replies come from a small stock of the operation's lines, with @author in front.
        stock = pa.array([w.maker.phrase(rng, int(rng.integers(4, 10))) for _ in range(12)])
        lines = stock.take(pa.array(rng.integers(0, len(stock), len(ti))))
        men = lists_from(np.ones(len(ti), dtype=np.int32),
                         w.names_array().take(pa.array(authors)))
        text = with_tags_and_mentions(lines, empty_lists(len(ti)), men)
        w.rows.add(Block.of(self.members[mi], ts, "reply", parent=posts.rows[trig][ti],
                            text=text, mentions=men, op=SWARM, detail="coordinated"))
        organic_looking(w, rng, self.members,
                        _poisson_counts(rng, cfg.activity * cfg.mixing, self.size), SWARM,
                        allow_replies=False)
        w.truth[OPERATION_IDS[SWARM]] = {
            "type": "reply_swarm", "platform": "synthnet", "members": _names(w, self.members),
            "utc_offset": self.offset, "schedule": "round-the-clock",
            "parameters": {"trigger_term": word, "min_delay_s": cfg.min_delay_s,
                           "window_s": cfg.window_s, "participation": list(cfg.participation),
                           "activity": cfg.activity, "mixing": cfg.mixing,
                           "trigger_posts": len(trig)},
            "trigger_rows": [int(r) for r in posts.rows[trig]],
        }

    def _plant_trigger(self, rng: np.random.Generator, rows: np.ndarray, word: str) -> None:
        """Insert the trigger word into the text of the chosen organic posts (block 0)."""
        w = self.world
        block = w.rows.blocks[0]
        texts = block.text.take(pa.array(rows)).to_pylist()
        new = []
        for t in texts:
            parts = (t or "").split(" ")
            # After any leading @mentions, before any trailing #tags: where a word would be.
            first = next((i for i, p in enumerate(parts) if not p.startswith("@")), len(parts))
            last = next((i for i in range(len(parts) - 1, -1, -1)
                         if not parts[i].startswith("#")), len(parts) - 1)
            j = int(rng.integers(first, max(first, last) + 1))
            parts.insert(j, word)
            new.append(" ".join(p for p in parts if p != "" or len(parts) == 1))
        mask = np.zeros(len(block.text), dtype=bool)
        mask[rows] = True
        order = np.argsort(rows)
        block.text = pc.replace_with_mask(block.text, pa.array(mask),
                                          pa.array([new[i] for i in order], pa.string()))


# ---------------------------------------------------------------------------------------------
# 4. Team-run personas

#: Writing habits of the teams working each shift (character n-gram fingerprints).
SHIFT_STYLES = (
    {"name": "A", "filler": "basically", "ending": "...", "emoji": "\U0001f642",
     "case": "lower", "and": "and"},
    {"name": "B", "filler": "honestly,", "ending": "!!", "emoji": "",
     "case": "capitalized", "and": "&"},
    {"name": "C", "filler": "tbh", "ending": " :)", "emoji": "\U0001f44d",
     "case": "as-is", "and": "+"},
)


def apply_style(texts: list[str], style: dict[str, str], rng: np.random.Generator) -> list[str]:
    out = []
    for t in texts:
        words = [style["and"] if x == "and" else x for x in t.split(" ")]
        if rng.random() < 0.4:
            words.insert(0, style["filler"])
        s = " ".join(words).rstrip(".!?")
        if style["case"] == "lower":
            s = s.lower()
        elif style["case"] == "capitalized":
            s = s[:1].upper() + s[1:]
        if rng.random() < 0.7:
            s += style["ending"]
        if style["emoji"] and rng.random() < 0.5:
            s += " " + style["emoji"]
        out.append(s)
    return out


class PersonaPlan:
    def __init__(self, world: World) -> None:
        self.world = world
        cfg = world.scenario.personas
        self.size = world.scenario.op_size("personas", cfg.size, world.scale)
        self.n_regular = world.scenario.op_size("regulars", cfg.regulars, world.scale)
        self.offset = world.op_offset(PERSONAS, cfg.utc_offset, cfg.offset_choices)
        self.personas = world.social.add(self.size, role="persona", label=1, op=PERSONAS,
                                         offset=self.offset, schedule="shifts")
        self.regulars = world.social.add(self.n_regular, role="operation_staff", label=1,
                                         op=PERSONAS, offset=self.offset, schedule="job")

    def build(self) -> None:
        w, cfg = self.world, self.world.scenario.personas
        rng = w.rng("personas")
        tags = _op_tags(w, rng, 4)
        n_shift_hours = np.array([b - a for a, b in cfg.shifts], dtype=float)
        post_rows, post_ts = [], []
        for s, (a, b) in enumerate(cfg.shifts):
            slow = tuple(h for h in cfg.breaks if a <= h < b)
            sched = office_hours(f"shift-{s}", ((a, b),), slow)
            share = n_shift_hours[s] / n_shift_hours.sum()
            counts = _poisson_counts(rng, cfg.activity * share, self.size)
            actor = np.repeat(self.personas, counts)
            ts = sample_times(rng, np.full(len(actor), self.offset), sched, w.start_us,
                              w.scenario.days, None, w.start_weekday)
            kinds = rng.choice(4, size=len(actor), p=[0.55, 0.2, 0.25, 0.0]).astype(np.int8)
            style = SHIFT_STYLES[s % len(SHIFT_STYLES)]
            detail = f"shift-{style['name']}"
            pm = kinds == POST
            rows, pts = self._persona_posts(rng, actor[pm], ts[pm], tags, style, cfg.mixing,
                                            detail)
            post_rows.append(rows)
            post_ts.append(pts)
            rm = kinds == REPLY
            self._persona_replies(rng, actor[rm], ts[rm], style, detail)
            xm = kinds == REPOST
            pos = pick_targets(rng, w.posts, ts[xm], 3_600.0)
            ok = pos >= 0
            w.rows.add(Block.of(actor[xm][ok], ts[xm][ok], "repost",
                                repost=w.posts.rows[pos[ok]], op=PERSONAS, detail=detail))
        rows = np.concatenate(post_rows)
        pts = np.concatenate(post_ts)
        self._regulars(rng, rows, pts, tags)
        w.truth[OPERATION_IDS[PERSONAS]] = {
            "type": "persona_team", "platform": "synthnet",
            "members": _names(w, self.personas) + _names(w, self.regulars),
            "personas": _names(w, self.personas), "regulars": _names(w, self.regulars),
            "utc_offset": self.offset, "schedule": "shifts",
            "parameters": {
                "shifts": [list(x) for x in cfg.shifts], "breaks": list(cfg.breaks),
                "weekends": "off", "regular_hours": [list(x) for x in cfg.regular_hours],
                "styles": [dict(SHIFT_STYLES[s % len(SHIFT_STYLES)], shift=list(x))
                           for s, x in enumerate(cfg.shifts)],
                "activity": cfg.activity, "regular_activity": cfg.regular_activity,
                "mixing": cfg.mixing, "amplify_window_s": cfg.window_s, "hashtags": tags},
        }

    def _persona_posts(self, rng: np.random.Generator, actor: np.ndarray, ts: np.ndarray,
                       tags: list[str], style: dict[str, str], mixing: float, detail: str
                       ) -> tuple[np.ndarray, np.ndarray]:
        w = self.world
        n = len(actor)
        raw = w.maker.sentences(rng, n, min_words=5, mean_extra=8, capitalize=0.0, emoji=0.0)
        styled = pa.array(apply_style(raw.to_pylist(), style, rng), pa.string())
        narrative = rng.random(n) >= mixing
        tag_idx = rng.integers(0, len(tags), n)
        tag_arr = pa.array(tags, pa.string()).take(pa.array(tag_idx))
        hashtags = lists_from(narrative.astype(np.int32), tag_arr.filter(pa.array(narrative)))
        text = with_tags_and_mentions(styled, hashtags, empty_lists(n))
        rows = w.rows.add(Block.of(actor, ts, "post", text=text, hashtags=hashtags,
                                   op=PERSONAS, detail=detail))
        return rows, ts

    def _persona_replies(self, rng: np.random.Generator, actor: np.ndarray, ts: np.ndarray,
                         style: dict[str, str], detail: str) -> None:
        w = self.world
        pos = pick_targets(rng, w.posts, ts, 1_800.0)
        ok = pos >= 0
        actor, ts, pos = actor[ok], ts[ok], pos[ok]
        if len(actor) == 0:
            return
        authors = w.posts.author[pos]
        raw = w.maker.sentences(rng, len(actor), min_words=2, mean_extra=6, capitalize=0.0,
                                emoji=0.0)
        styled = pa.array(apply_style(raw.to_pylist(), style, rng), pa.string())
        men = lists_from(np.ones(len(actor), dtype=np.int32),
                         w.names_array().take(pa.array(authors)))
        text = with_tags_and_mentions(styled, empty_lists(len(actor)), men)
        w.rows.add(Block.of(actor, ts, "reply", parent=w.posts.rows[pos], text=text,
                            mentions=men, op=PERSONAS, detail=detail))

    def _regulars(self, rng: np.random.Generator, persona_rows: np.ndarray,
                  persona_ts: np.ndarray, tags: list[str]) -> None:
        w, cfg = self.world, self.world.scenario.personas
        sched = office_hours("regular", cfg.regular_hours)
        counts = _poisson_counts(rng, cfg.regular_activity * (1 - cfg.mixing), self.n_regular)
        actor = np.repeat(self.regulars, counts)
        ts = sample_times(rng, np.full(len(actor), self.offset), sched, w.start_us,
                          w.scenario.days, None, w.start_weekday)
        # Amplify: repost a persona post published within the last window_s, if there is one.
        index = PostIndex.build(persona_rows, persona_ts, np.zeros(len(persona_rows), np.int64),
                                np.ones(len(persona_rows)))
        hi = np.searchsorted(index.ts, ts, side="left")
        lo = np.searchsorted(index.ts, ts - int(cfg.window_s * SECOND_US), side="left")
        has = (hi > lo) & (rng.random(len(ts)) < 0.75)
        pick = lo + (rng.random(len(ts)) * np.maximum(hi - lo, 1)).astype(np.int64)
        w.rows.add(Block.of(actor[has], ts[has], "repost", repost=index.rows[pick[has]],
                            op=PERSONAS, detail="amplify"))
        own = ~has
        n = int(own.sum())
        raw = w.maker.sentences(rng, n, min_words=5, mean_extra=8)
        tag_arr = pa.array(tags, pa.string()).take(pa.array(rng.integers(0, len(tags), n)))
        hashtags = lists_from(np.ones(n, dtype=np.int32), tag_arr)
        text = with_tags_and_mentions(raw, hashtags, empty_lists(n))
        w.rows.add(Block.of(actor[own], ts[own], "post", text=text, hashtags=hashtags,
                            op=PERSONAS, detail="staff-post"))
        organic_looking(w, rng, self.regulars,
                        _poisson_counts(rng, cfg.regular_activity * cfg.mixing, self.n_regular),
                        PERSONAS, schedule=sched)

