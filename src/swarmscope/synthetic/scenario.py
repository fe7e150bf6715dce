"""Parameters of a synthetic scenario: the organic background, the confounders and the planted
operations, and how their sizes follow ``scale``.

Every field has a default, so ``Scenario()`` is the standard scenario (about 1,000,000 actions
at ``scale=1``). Benchmarks vary one thing at a time with :func:`dataclasses.replace`::

    >>> from dataclasses import replace
    >>> s = Scenario()
    >>> fast_big_ring = replace(s, ring=replace(s.ring, size=200, window_s=10))
    >>> no_confounders = replace(s, confounders=Confounders.none())
    >>> fast_big_ring.ring.size, no_confounders.confounders.news_bots
    (200, False)

Sizes and scale: the background (organic accounts, wiki pages and edits, viral burst sizes)
scales linearly with ``scale``. Operation and confounder sizes scale with ``sqrt(scale)`` and
never fall below a minimum viable size (:data:`MIN_SIZES`), so a ``scale=0.05`` demo still
contains every operation. With ``scale_operations=False`` operation sizes (members, contested
pages) are used exactly as given, whatever the scale (what a benchmark that varies ``size``
wants); confounders keep following the scale.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, fields

from ..errors import UsageError


@dataclass(frozen=True)
class Organic:
    """The organic social background (platform ``synthnet``)."""

    #: Organic accounts at scale 1.
    accounts: int = 44_000
    #: Actions per account over the window are ``1 + lognormal(log(median), sigma)``: most
    #: accounts act a few times, a few act hundreds of times.
    activity_median: float = 7.0
    activity_sigma: float = 1.45
    max_activity: int = 2_500
    #: Share of accounts with office-hours ("job") posting habits; the rest are "leisure".
    job_share: float = 0.15
    #: (UTC offset in hours, weight) of where organic accounts live.
    utc_offsets: tuple[tuple[float, float], ...] = (
        (-8, 0.12), (-5, 0.25), (0, 0.12), (1, 0.18), (3, 0.06), (5.5, 0.10), (8, 0.09), (9, 0.08),
    )
    #: Mean shares of post / repost / reply / quote (each account draws its own mix around it).
    kind_mix: tuple[float, float, float, float] = (0.40, 0.33, 0.19, 0.08)
    #: Median delay between a post and an organic reaction to it (lognormal).
    reaction_delay_median_s: float = 2_400.0
    #: Pareto shape of post attractiveness (smaller = more skewed object popularity).
    popularity_shape: float = 1.1
    hashtag_rate: float = 0.18
    url_rate: float = 0.22
    mention_rate: float = 0.10
    #: Share of posts and replies that are one of a few very common short texts ("so true").
    common_text_rate: float = 0.05


@dataclass(frozen=True)
class Confounders:
    """Organic behaviour that looks coordinated to a naive detector. All labelled 0."""

    #: News outlets posting links round the clock, and bots reposting / re-linking every one of
    #: their posts within seconds.
    news_bots: bool = True
    news_outlets: int = 8
    news_bot_accounts: int = 20
    outlet_posts_per_day: float = 12.0
    #: A fan community quickly co-reposting its idol's posts.
    fan_community: bool = True
    fan_size: int = 120
    idol_posts_per_day: float = 4.0
    fan_repost_probability: float = 0.6
    #: A shared real-world event: many accounts post its hashtag within minutes.
    shared_event: bool = True
    event_share: float = 0.03
    #: Viral posts reposted by thousands of organic accounts within an hour.
    viral_bursts: bool = True
    viral_burst_count: int = 5
    viral_burst_size: int = 3_000
    #: One viral (non-trigger) post with many fast, unrelated repliers.
    viral_replies: bool = True
    viral_reply_size: int = 600
    #: Wikipedia: an anti-vandalism bot and human patrollers reverting IP vandalism fast.
    wiki_patrol: bool = True
    wiki_patrollers: int = 3

    @classmethod
    def none(cls) -> Confounders:
        """No confounders at all (an easy scenario)."""
        return cls(news_bots=False, fan_community=False, shared_event=False, viral_bursts=False,
                   viral_replies=False, wiki_patrol=False)


@dataclass(frozen=True)
class SocialOperation:
    """What every planted social operation has.

    ``activity`` is the mean number of actions per member over the window; ``mixing`` the share
    of them that are organic-looking (own posts, reposts of popular posts); the rest are the
    operation's coordinated actions. ``window_s`` is how close in time the coordinated actions
    on one object are (its exact meaning is given per operation). ``utc_offset`` is where the
    operators work (None: chosen by the seed).
    """

    enabled: bool = True
    size: int = 20
    activity: float = 60.0
    mixing: float = 0.3
    window_s: float = 600.0
    utc_offset: float | None = None


@dataclass(frozen=True)
class CoRepostRing(SocialOperation):
    """Members repost the same objects, each object's reposts within ``window_s`` seconds."""

    size: int = 30
    activity: float = 100.0
    mixing: float = 0.4
    window_s: float = 120.0
    #: Chance that a member takes part in a given object.
    participation: float = 0.7
    #: Median delay from the object's creation to the ring's first repost (lognormal).
    reaction_delay_median_s: float = 900.0


@dataclass(frozen=True)
class TextFarm(SocialOperation):
    """Members post the same messages with trivial changes within ``window_s`` seconds."""

    size: int = 20
    activity: float = 60.0
    mixing: float = 0.3
    window_s: float = 1_200.0
    participation: float = 0.6
    #: Share of copies that are near-duplicates (a word changed or appended), not just
    #: identical after normalisation.
    near_duplicate_rate: float = 0.25


@dataclass(frozen=True)
class ReplySwarm(SocialOperation):
    """Members reply to organic posts containing a trigger term, ``min_delay_s`` to
    ``window_s`` seconds after the post."""

    size: int = 25
    activity: float = 60.0
    mixing: float = 0.3
    window_s: float = 600.0
    min_delay_s: float = 60.0
    #: Each trigger post draws this share range of the swarm.
    participation: tuple[float, float] = (0.2, 0.6)


@dataclass(frozen=True)
class PersonaTeam(SocialOperation):
    """Personas run by teams in office shifts in one UTC offset, plus regular staff accounts.

    ``size`` is the number of personas, ``activity`` the actions of one persona. ``shifts`` are
    local ``[start, end)`` hours of the persona shifts (weekdays only); each shift has its own
    writing style and one slow hour (``breaks``). Regular staff accounts work
    ``regular_hours`` on weekdays; when they act, they mostly repost a persona post published
    in the last ``window_s`` seconds.
    """

    size: int = 4
    activity: float = 500.0
    mixing: float = 0.3
    window_s: float = 3_600.0
    shifts: tuple[tuple[int, int], ...] = ((7, 15), (15, 23))
    breaks: tuple[int, ...] = (11, 19)
    regulars: int = 10
    regular_activity: float = 150.0
    regular_hours: tuple[tuple[int, int], ...] = ((9, 13), (14, 18))
    #: Candidate offsets the seed picks from when ``utc_offset`` is None.
    offset_choices: tuple[float, ...] = (3.0, 2.0, 4.0, 8.0, -3.0)


@dataclass(frozen=True)
class Wiki:
    """The organic Wikipedia background (platform ``synthwiki``)."""

    pages: int = 300
    #: Organic edits at scale 1 (reverts by patrollers and the ring come on top).
    edits: int = 36_000
    editors: int = 2_500
    ip_edit_share: float = 0.22
    #: Share of IP edits that are vandalism.
    vandalism_rate: float = 0.12
    #: Share of registered editors' edits that revert the previous edit (ordinary disputes).
    organic_revert_rate: float = 0.02


@dataclass(frozen=True)
class TagTeam:
    """A Wikipedia tag-team ring reverting the same opponents on contested pages."""

    enabled: bool = True
    size: int = 5
    contested_pages: int = 6
    #: Domains whose citations the ring removes.
    target_domains: int = 2
    #: Members that edit almost only one or two contested pages.
    single_purpose: int = 2
    #: Edit-war episodes per contested page (an opponent re-adds, the ring reverts, ...).
    episodes: int = 4
    max_rounds: int = 6
    #: No member reverts more than this many times per 24 h on one page.
    max_reverts_per_day: int = 3
    #: The ring reverts an opponent this many seconds after the opponent's edit.
    revert_delay_s: tuple[float, float] = (900.0, 8 * 3_600.0)
    #: Ordinary edits elsewhere by each member that is not single-purpose.
    activity: float = 40.0
    utc_offset: float | None = None


#: Smallest sizes the scaling keeps (operations stay viable at tiny scales).
MIN_SIZES: dict[str, int] = {
    "ring": 6, "farm": 5, "swarm": 6, "personas": 3, "regulars": 3, "tagteam": 4,
    "news_outlets": 2, "news_bot_accounts": 3, "fan_size": 50, "viral_burst_size": 120,
    "viral_reply_size": 60, "viral_burst_count": 2, "contested_pages": 3,
}


@dataclass(frozen=True)
class Scenario:
    """Everything :func:`swarmscope.synthetic.generate` plants (see the module docstring)."""

    #: First instant of the window (a Monday, 00:00 UTC).
    start: dt.datetime = dt.datetime(2024, 3, 4, tzinfo=dt.UTC)
    days: int = 30
    organic: Organic = field(default_factory=Organic)
    confounders: Confounders = field(default_factory=Confounders)
    ring: CoRepostRing = field(default_factory=CoRepostRing)
    farm: TextFarm = field(default_factory=TextFarm)
    swarm: ReplySwarm = field(default_factory=ReplySwarm)
    personas: PersonaTeam = field(default_factory=PersonaTeam)
    wiki: Wiki = field(default_factory=Wiki)
    tagteam: TagTeam = field(default_factory=TagTeam)
    scale_operations: bool = True

    def op_size(self, name: str, size: int, scale: float) -> int:
        """Size of operation part ``name`` at ``scale`` (exact if not ``scale_operations``)."""
        if not self.scale_operations:
            return max(1, int(size))
        return self.part_size(name, size, scale)

    def part_size(self, name: str, size: int, scale: float) -> int:
        """Size of confounder part ``name`` at ``scale``: ``sqrt(scale)``, at least the minimum."""
        return max(MIN_SIZES.get(name, 1), int(round(size * math.sqrt(scale))))

    def background(self, n: float, scale: float, minimum: int) -> int:
        """A background count at ``scale`` (linear), at least ``minimum``."""
        return max(minimum, int(round(n * scale)))

    def validate(self) -> None:
        """Raise :class:`~swarmscope.errors.UsageError` naming the first impossible setting."""
        def check(ok: bool, what: str) -> None:
            if not ok:
                raise UsageError(f"scenario: {what}")

        check(self.start.tzinfo is not None, "start must be timezone-aware (UTC)")
        check(7 <= self.days <= 3_660, "days must be between 7 and 3660 (weekly rhythms)")
        o = self.organic
        check(o.accounts >= 0 and o.activity_median > 0 and o.activity_sigma >= 0,
              "organic accounts and activity must be positive")
        check(len(o.kind_mix) == 4 and min(o.kind_mix) >= 0 and sum(o.kind_mix) > 0,
              "organic.kind_mix needs four non-negative shares (post, repost, reply, quote)")
        check(all(w >= 0 for _, w in o.utc_offsets) and sum(w for _, w in o.utc_offsets) > 0,
              "organic.utc_offsets needs positive weights")
        for name in ("ring", "farm", "swarm", "personas"):
            op = getattr(self, name)
            check(op.size >= 1, f"{name}.size must be at least 1")
            check(op.activity >= 0, f"{name}.activity must be >= 0")
            check(0 <= op.mixing < 1, f"{name}.mixing must be in [0, 1)")
            check(op.window_s > 0, f"{name}.window_s must be > 0")
            for f in fields(op):
                if f.name == "participation":
                    v = op.participation
                    lo, hi = v if isinstance(v, tuple) else (v, v)
                    check(0 < lo <= hi <= 1, f"{name}.participation must be in (0, 1]")
        check(self.swarm.min_delay_s < self.swarm.window_s,
              "swarm.min_delay_s must be below swarm.window_s")
        check(0 <= self.farm.near_duplicate_rate <= 1, "farm.near_duplicate_rate must be in [0, 1]")
        pt = self.personas
        check(bool(pt.shifts) and all(0 <= a < b <= 24 for a, b in pt.shifts),
              "personas.shifts must be [start, end) local hours within 0-24")
        check(all(0 <= a < b <= 24 for a, b in pt.regular_hours),
              "personas.regular_hours must be [start, end) local hours within 0-24")
        t = self.tagteam
        check(t.size >= 2 or not t.enabled, "tagteam.size must be at least 2 (a tag team)")
        check(t.contested_pages >= 1 and t.target_domains >= 1 and t.max_reverts_per_day >= 1,
              "tagteam needs contested pages, target domains and max_reverts_per_day >= 1")
        check(0 < t.revert_delay_s[0] <= t.revert_delay_s[1],
              "tagteam.revert_delay_s must be (min, max) seconds")
        check(self.wiki.pages >= 1 and 0 <= self.wiki.ip_edit_share < 1,
              "wiki needs pages and an ip_edit_share in [0, 1)")
