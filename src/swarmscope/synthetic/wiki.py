"""A synthetic wiki (platform ``synthwiki``): organic editing, vandalism and patrol, and a
planted tag-team ring.

Rows follow the "Wikipedia revisions" conventions of ``docs/actions.md``: ``action_id`` is the
revision id, ``parent_id`` the page's previous revision id, ``title`` the page, ``text`` the
edit summary, ``urls`` the full set of URLs cited in the revision, and ``extra`` holds
``page_id``, ``ns``, ``sha1``, ``size``, ``minor``, ``tags`` and ``anon``. Every revision has
kind ``edit``: a revert is recognisable only the way real reverts are, by restoring the exact
SHA-1 of an earlier revision of the page (identity revert; Kittur et al. 2007, Halfaker's
``mwreverts``), and by its summary ("Undid revision 123 by X", "Reverted edits by X (talk) to
last version by Y", "rv").

Each page is simulated in time order (:class:`_PageSim`): a page's content is a *state* (SHA-1,
size, cited URLs); an edit makes a new state, a revert re-uses an earlier one.

- **Organic editors**: heavy-tailed activity, each with a few home pages; page popularity is
  Zipf. IP editors make a share of edits, some of it vandalism. A few registered edits undo
  the previous edit (ordinary disputes).
- **Patrol** (confounder): an anti-vandalism bot reverts vandalism within seconds, human
  patrollers within minutes, on any page; with patrol off, ordinary editors revert it hours
  later.
- **Tag team** (operation 5): on contested pages the ring removes citations to target domains;
  the page's opponents restore them; a ring member reverts each opponent within hours. Members
  never revert each other, share the reverts so none makes more than ``max_reverts_per_day``
  on a page in 24 h, and single-purpose members edit only their one or two pages.

Example::

    >>> from swarmscope.synthetic.scenario import Scenario
    >>> Scenario().tagteam.max_reverts_per_day
    3
"""

from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass, field

import numpy as np
import orjson
import pyarrow as pa

from .clock import SCHEDULES, sample_times
from .rows import STR_LIST, lists_from
from .vocabulary import ZipfSampler
from .world import OPERATION_IDS, SECOND_US, TAGTEAM, World

_SECTIONS = ("History", "Career", "Early life", "Reception", "References", "Background",
             "Overview", "Geography", "Legacy", "Personal life")
_NORMAL = ("", "", "", "copyedit", "ce", "typo", "fixed typo", "/* {sec} */", "/* {sec} */ expand",
           "added citation", "+ref", "update", "clarify", "link", "wikilink", "grammar", "tidy",
           "Updated infobox", "/* {sec} */ copyedit", "rm unsourced claim", "expand")
_IP = ("", "", "", "", "fix", "/* {sec} */", "updated", "correction")
_VANDAL = ("", "", "", "", "lol", "hi", "fixed it", "/* {sec} */")
_RING_REMOVE = ("rm unreliable sources per [[WP:RS]]", "removed spam links",
                "rm deprecated source ([[WP:DEPS]])", "removing self-published sources",
                "cleanup: remove poor sources")
_RING_REASONS = ("per [[WP:RS]], see talk", "rv: unreliable source", "no consensus for this",
                 "restore stable version", "[[WP:ONUS]] is on you")
_RING_MANUAL = ("rv unreliable source", "rv per talk", "rvt to consensus version", "rv")
_OPP_REASONS = ("restoring sourced content; discuss on talk page", "this is reliably sourced",
                "please stop removing sourced content", "")
_OPP_NEW = ("added source", "expand with sources", "restore well-sourced material",
            "/* {sec} */ add reliably sourced content")


def _contrib(user: str) -> str:
    return f"[[Special:Contributions/{user}|{user}]] ([[User talk:{user}|talk]])"


@dataclass
class _Rev:
    ts: int  # seconds since the epoch
    editor: int
    state: int
    summary: str  # may hold "{revid}", filled in once revision ids exist
    ref: int = -1  # local index of the revision "{revid}" refers to
    minor: bool = False
    tags: tuple[str, ...] = ()
    op: int = -1
    detail: str | None = None


@dataclass
class _Page:
    page_id: int
    title: str
    states: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)
    revs: list[_Rev] = field(default_factory=list)
    first_parent: int | None = None


class WikiPlan:
    """Allocates the wiki's accounts, then simulates every page (see the module docstring)."""

    def __init__(self, world: World) -> None:
        self.world = world
        sc, scale = world.scenario, world.scale
        cfg, tt, conf = sc.wiki, sc.tagteam, sc.confounders
        rng = world.rng("wiki-accounts")
        reg = world.wiki
        self.n_pages = sc.background(cfg.pages, scale, minimum=40)
        self.n_edits = sc.background(cfg.edits, scale, minimum=1_500)
        n_editors = sc.background(cfg.editors, scale, minimum=120)
        offs = np.array([o for o, _ in sc.organic.utc_offsets])
        ow = np.array([p for _, p in sc.organic.utc_offsets])
        ow = ow / ow.sum()
        sched = np.where(rng.random(n_editors) < 0.25, "job", "leisure").astype(object)
        self.editors = reg.add(n_editors, role="organic", offset=offs[rng.choice(len(offs),
                               size=n_editors, p=ow)], schedule=sched,
                               phase=rng.normal(0, 0.8, n_editors))
        self.ip_edits = int(round(self.n_edits * cfg.ip_edit_share))
        n_ips = max(10, int(self.ip_edits / 1.3))
        self.ips = reg.add(n_ips, role="ip_editor", offset=offs[rng.choice(len(offs),
                           size=n_ips, p=ow)], schedule="leisure", phase=rng.normal(0, 0.8, n_ips))
        self.bot = self.patrollers = np.zeros(0, dtype=np.int64)
        if conf.wiki_patrol:
            self.bot = reg.add(1, role="anti_vandal_bot", offset=0.0, schedule="round-the-clock")
            n_pat = max(1, conf.wiki_patrollers)
            self.patrollers = reg.add(n_pat, role="patroller",
                                      offset=offs[rng.choice(len(offs), size=n_pat, p=ow)],
                                      schedule="leisure")
        self.ring = np.zeros(0, dtype=np.int64)
        self.n_spa = 0
        if tt.enabled:
            size = sc.op_size("tagteam", tt.size, scale)
            self.offset = world.op_offset(TAGTEAM, tt.utc_offset)
            self.n_spa = min(tt.single_purpose, max(0, size - 2))
            spa = reg.add(self.n_spa, role="tag_team_single_purpose", label=1, op=TAGTEAM,
                          offset=self.offset, schedule="leisure")
            rest = reg.add(size - self.n_spa, role="tag_team", label=1, op=TAGTEAM,
                           offset=self.offset, schedule="leisure")
            self.ring = np.concatenate([spa, rest])

    # -- names --------------------------------------------------------------------------------

    def assign_names(self) -> None:
        w = self.world
        rng = w.rng("wiki-names")
        reg = w.wiki
        n = len(reg)
        role = reg.role
        registered = np.flatnonzero(role != "ip_editor")
        names = [""] * n
        ids = np.full(n, -1, dtype=np.int64)
        pool = w.vocab.wiki_user_names(rng, len(registered))
        for i, nm in zip(registered, pool, strict=True):
            names[i] = nm
        taken = set(pool)
        for i in np.flatnonzero(role == "anti_vandal_bot"):
            k = 60
            while w.vocab.words[k].capitalize() + "Bot" in taken or not w.vocab.words[k].isalpha():
                k += 1 + int(rng.integers(0, 50))
            names[i] = w.vocab.words[k].capitalize() + "Bot"
        # Unique user ids in random order: the id must not reveal allocation order (roles).
        lo, hi = np.log(1e4), np.log(4.9e7)
        uid = np.exp(rng.uniform(lo, hi, len(registered))).astype(np.int64)
        while len(np.unique(uid)) < len(uid):
            _, first = np.unique(uid, return_index=True)
            dup = np.setdiff1d(np.arange(len(uid)), first)
            uid[dup] = np.exp(rng.uniform(lo, hi, len(dup))).astype(np.int64)
        ids[registered] = uid
        for i in np.flatnonzero(role == "ip_editor"):
            names[i] = self._ip(rng)
        reg.set_names(names, ids)

    @staticmethod
    def _ip(rng: np.random.Generator) -> str:
        if rng.random() < 0.15:
            g = rng.integers(0, 65_536, 4)
            return "2A02:{:X}:{:X}:{:X}:0:0:0:{:X}".format(*g)
        a = int(rng.choice([24, 31, 37, 46, 49, 62, 73, 82, 86, 92, 109, 151, 176, 185, 203]))
        b, c, d = rng.integers(1, 255, 3)
        return f"{a}.{b}.{c}.{d}"

    # -- simulation ---------------------------------------------------------------------------

    def build(self) -> pa.Table:
        w = self.world
        sc = w.scenario
        cfg, tt = sc.wiki, sc.tagteam
        rng = w.rng("wiki")
        start_s, end_s = w.start_us // SECOND_US, w.end_us // SECOND_US
        self.rng = rng
        self.end_s = end_s
        words = w.vocab.words
        titles = set()
        pages: list[_Page] = []
        pids = 10_000 + rng.choice(70_000_000, size=self.n_pages, replace=False)
        while len(pages) < self.n_pages:
            a, b = rng.integers(60, len(words), 2)
            if w.trigger_word in (a, b):
                continue
            t = words[a].capitalize() if rng.random() < 0.4 else \
                f"{words[a].capitalize()} {words[b]}"
            if rng.random() < 0.15:
                t = f"{t} ({_SECTIONS[int(rng.integers(0, len(_SECTIONS)))].lower()})"
            if t not in titles:
                titles.add(t)
                pages.append(_Page(int(pids[len(pages)]), t))
        self.pages = pages
        # Citation pool: Zipf over domains; the ring's target domains are middling ones.
        dom_rank = np.arange(20, min(120, len(w.vocab.domains)))
        self.targets = [w.vocab.domains[i] for i in rng.choice(dom_rank, size=tt.target_domains,
                                                                replace=False)]
        pool = w.maker.urls(rng, 20_000, tracking=0.0, www=0.2, http=0.05).to_pylist()
        self.pool = [u for u in pool if not any(f"/{d}/" in u or f".{d}/" in u or f"//{d}/" in u
                                                for d in self.targets)]
        self.pool_zipf = ZipfSampler(len(self.pool), 0.9)
        self.target_urls_made = 0

        popularity = rng.permutation(1.0 / (np.arange(self.n_pages) + 3.0) ** 1.1)
        events: list[list[tuple]] = [[] for _ in pages]
        seq = iter(range(10**9))
        # Each page's first observed revision: an ordinary edit in the first days.
        first_editor = rng.choice(self.editors, size=self.n_pages)
        first_ts = start_s + rng.integers(0, 3 * 86_400, self.n_pages)
        for p, page in enumerate(pages):
            k = 2 + int(rng.poisson(10))
            urls = tuple(self.pool[i] for i in self.pool_zipf.sample(rng, k))
            size = int(rng.lognormal(9.3, 0.8)) + 60 * k
            page.states.append((self._sha1(page, 0), size, tuple(sorted(set(urls)))))
            page.first_parent = None if rng.random() < 0.1 else int(rng.integers(10**8, 10**9))
            events[p].append((int(first_ts[p]), next(seq), "first", int(first_editor[p]), None))

        # Organic registered edits: heavy-tailed editors with home pages.
        n_reg = self.n_edits - self.ip_edits - self.n_pages
        act = rng.lognormal(0, 1.7, len(self.editors))
        counts = rng.multinomial(max(0, n_reg), act / act.sum())
        ed = np.repeat(self.editors, counts)
        ts = self._times(rng, ed) // SECOND_US
        homes = rng.choice(self.n_pages, size=(len(self.editors), 3), p=popularity / popularity.sum())
        local = np.repeat(np.arange(len(self.editors)), counts)
        page_of = np.where(rng.random(len(ed)) < 0.55,
                           homes[local, rng.integers(0, 3, len(ed))],
                           rng.choice(self.n_pages, size=len(ed), p=popularity / popularity.sum()))
        for e, t, p in zip(ed.tolist(), ts.tolist(), page_of.tolist(), strict=True):
            events[p].append((t, next(seq), "edit", e, None))
        # IP edits, some vandalism.
        # Most IPs edit once or twice, a few (shared addresses) many times.
        rank = np.minimum((rng.pareto(2.5, self.ip_edits) * 0.3 * len(self.ips)).astype(np.int64),
                          len(self.ips) - 1)
        ip_of = rng.permutation(self.ips)[rank]
        its = self._times(rng, ip_of) // SECOND_US
        ip_page = rng.choice(self.n_pages, size=self.ip_edits, p=popularity / popularity.sum())
        vandal = rng.random(self.ip_edits) < cfg.vandalism_rate
        for e, t, p, v in zip(ip_of.tolist(), its.tolist(), ip_page.tolist(), vandal.tolist(),
                              strict=True):
            events[p].append((t, next(seq), "ip", e, v))

        self.contested: list[int] = []
        self.opponents: dict[int, list[int]] = {}
        self.allowed: dict[int, list[int]] = {}
        if tt.enabled and len(self.ring):
            self._plan_tagteam(rng, events, seq, popularity, counts)

        self.revert_log: dict[tuple[int, int], list[int]] = {}
        for p, page in enumerate(pages):
            self._simulate(page, p, events[p], seq)
        return self._table()

    def _times(self, rng: np.random.Generator, accounts: np.ndarray) -> np.ndarray:
        w = self.world
        reg = w.wiki
        out = np.zeros(len(accounts), dtype=np.int64)
        sched = reg.schedule[accounts]
        for name in sorted(set(sched.tolist())):
            m = sched == name
            out[m] = sample_times(rng, reg.offset[accounts[m]], SCHEDULES[name], w.start_us,
                                  w.scenario.days, reg.phase[accounts[m]], w.start_weekday)
        return out

    def _plan_tagteam(self, rng: np.random.Generator, events: list[list[tuple]], seq,
                      popularity: np.ndarray, counts: np.ndarray) -> None:
        w, tt = self.world, self.world.scenario.tagteam
        sc = w.scenario
        n_cont = max(1, min(self.n_pages // 4,
                            sc.op_size("contested_pages", tt.contested_pages, w.scale)))
        order = np.argsort(-popularity)
        middling = order[5:max(6, self.n_pages // 2)]
        self.contested = sorted(int(x) for x in rng.choice(middling, size=n_cont, replace=False))
        # Contested pages cite the target domains at the start.
        for p in self.contested:
            page = self.pages[p]
            sha, size, urls = page.states[0]
            extra = tuple(self._target_url(rng) for _ in range(int(rng.integers(2, 5))))
            page.states[0] = (sha, size + 250 * len(extra), tuple(sorted(set(urls + extra))))
        # Opponents: active ordinary editors who care about the page.
        active = self.editors[np.argsort(-counts, kind="stable")[: max(10, len(self.editors) // 5)]]
        for p in self.contested:
            self.opponents[p] = [int(x) for x in rng.choice(active, size=2, replace=False)]
            self.world.wiki.set_role(np.array(self.opponents[p]), "opponent")
        spa, rest = self.ring[: self.n_spa], self.ring[self.n_spa:]
        for m in rest:
            self.allowed[int(m)] = list(self.contested)
        for m in spa:
            k = min(len(self.contested), int(rng.integers(1, 3)))
            self.allowed[int(m)] = sorted(int(x) for x in rng.choice(self.contested, size=k,
                                                                      replace=False))
        start_s = self.world.start_us // SECOND_US
        days = self.world.scenario.days
        for p in self.contested:
            c0 = start_s + int(rng.uniform(1.0, min(6.0, days / 4)) * 86_400)
            events[p].append((c0, next(seq), "ring_remove", -1, None))
            span = (start_s + (days - 2) * 86_400 - c0) / max(1, tt.episodes)
            for e in range(1, tt.episodes):
                t = c0 + int((e + rng.uniform(-0.2, 0.2)) * span)
                opp = self.opponents[p][int(rng.integers(0, 2))]
                events[p].append((t, next(seq), "opp_new", opp, None))
        # Ordinary edits by ring members: single-purpose ones on their pages only.
        for m in self.ring:
            m = int(m)
            is_spa = m in set(int(x) for x in spa)
            n = int(rng.integers(2, 9)) if is_spa else int(rng.poisson(tt.activity))
            ts = self._times(rng, np.full(n, m)) // SECOND_US
            for t in ts.tolist():
                if is_spa or rng.random() < 0.15:
                    p = int(rng.choice(self.allowed[m]))
                else:
                    p = int(rng.choice(self.n_pages, p=popularity / popularity.sum()))
                events[p].append((t, next(seq), "ring_edit", m, None))

    def _target_url(self, rng: np.random.Generator) -> str:
        self.target_urls_made += 1
        d = self.targets[int(rng.integers(0, len(self.targets)))]
        words = self.world.vocab.path_words
        a, b = rng.integers(0, len(words), 2)
        www = "www." if rng.random() < 0.3 else ""
        return f"https://{www}{d}/{words[a]}/{words[b]}-{self.target_urls_made}"

    def _is_target(self, url: str) -> bool:
        host = url.split("/")[2] if url.count("/") >= 2 else ""
        host = host[4:] if host.startswith("www.") else host
        return host in self.targets

    def _sha1(self, page: _Page, state: int) -> str:
        return hashlib.sha1(f"{self.world.seed}:{page.page_id}:{state}".encode()).hexdigest()

    def _new_state(self, page: _Page, size_delta: int, urls: tuple[str, ...]) -> int:
        size = max(120, page.states[page.revs[-1].state if page.revs else 0][1] + size_delta)
        page.states.append((self._sha1(page, len(page.states)), size, tuple(sorted(set(urls)))))
        return len(page.states) - 1

    def _cur(self, page: _Page) -> int:
        return page.revs[-1].state

    def _summary(self, choices: tuple[str, ...]) -> str:
        s = choices[int(self.rng.integers(0, len(choices)))]
        return s.replace("{sec}", _SECTIONS[int(self.rng.integers(0, len(_SECTIONS)))])

    def _simulate(self, page: _Page, p: int, events: list[tuple], seq) -> None:
        rng = self.rng
        names = self.world.wiki.names
        cfg, tt = self.world.scenario.wiki, self.world.scenario.tagteam
        heapq.heapify(events)
        last_ts = 0
        ring = set(int(x) for x in self.ring)
        last_ring_actor = -1
        while events:
            t, _, kind, editor, payload = heapq.heappop(events)
            t = max(int(t), last_ts + 1)
            if t >= self.end_s:
                continue
            rev: _Rev | None = None
            if not page.revs:
                if editor < 0 or kind not in ("first", "edit", "ip", "ring_edit"):
                    heapq.heappush(events, (t + 86_400, next(seq), kind, editor, payload))
                    continue
                # The first observed revision shows the page's state at the window's start.
                rev = _Rev(t, editor, 0, self._summary(_NORMAL), minor=bool(rng.random() < 0.3),
                           op=TAGTEAM if kind == "ring_edit" else -1,
                           detail="ordinary-edit" if kind == "ring_edit" else None)
            elif kind in ("edit", "ring_edit", "first"):
                prev = page.revs[-1]
                if (kind != "ring_edit" and rng.random() < cfg.organic_revert_rate
                        and len(page.revs) >= 2 and prev.editor != editor
                        and prev.editor not in ring and prev.ref < 0):
                    user = names[prev.editor]
                    manual = rng.random() < 0.4
                    rev = _Rev(t, editor, page.revs[-2].state,
                               "rv" if manual else f"Undid revision {{revid}} by {_contrib(user)}",
                               ref=-1 if manual else len(page.revs) - 1,
                               tags=("mw-manual-revert",) if manual else ("mw-undo",),
                               detail="organic-revert")
                else:
                    rev = self._ordinary(page, t, editor)
                    if kind == "ring_edit":
                        rev.op, rev.detail = TAGTEAM, "ordinary-edit"
            elif kind == "ip":
                rev = self._ip_edit(page, t, editor, bool(payload), events, seq)
            elif kind == "patrol":
                rev = self._patrol(page, t, editor, payload)
            elif kind == "ring_remove":
                member = self._pick_member(p, t, last_ring_actor, revert=False)
                cur = page.states[self._cur(page)][2]
                keep = tuple(u for u in cur if not self._is_target(u))
                if member >= 0 and len(keep) < len(cur):
                    st = self._new_state(page, -250 * (len(cur) - len(keep)), keep)
                    rev = _Rev(t, member, st, self._summary(_RING_REMOVE), op=TAGTEAM,
                               detail="remove-citations")
                    last_ring_actor = member
                    self._schedule_opponent(page, p, len(page.revs), t, 0, events, seq)
            elif kind == "opp_new":
                cur = page.states[self._cur(page)][2]
                add = tuple(self._target_url(rng) for _ in range(int(rng.integers(1, 3))))
                st = self._new_state(page, 250 * len(add) + int(rng.integers(50, 600)), cur + add)
                rev = _Rev(t, editor, st, self._summary(_OPP_NEW), detail="opponent")
                self._schedule_ring(page, len(page.revs), t, 0, events, seq)
            elif kind == "opp_undo":
                ring_rev, rnd = payload
                rev = self._opponent_undo(page, t, editor, ring_rev)
                if rev is not None:
                    self._schedule_ring(page, len(page.revs), t, rnd, events, seq)
            elif kind == "ring_revert":
                opp_rev, rnd, tries = payload
                member = self._pick_member(p, t, last_ring_actor, revert=True)
                if member < 0:
                    if tries < 8:  # everyone is at the daily limit on this page: wait
                        heapq.heappush(events, (t + 6 * 3_600, next(seq), kind, -1,
                                                (opp_rev, rnd, tries + 1)))
                    continue
                rev = self._ring_revert(page, t, member, opp_rev)
                if rev is not None:
                    last_ring_actor = member
                    self.revert_log.setdefault((member, p), []).append(t)
                    if rnd + 1 < tt.max_rounds and rng.random() < 0.7:
                        self._schedule_opponent(page, p, len(page.revs), t, rnd + 1, events, seq)
            if rev is not None:
                page.revs.append(rev)
                last_ts = t

    def _ordinary(self, page: _Page, t: int, editor: int) -> _Rev:
        rng = self.rng
        cur = page.states[self._cur(page)][2]
        urls = cur
        delta = int(rng.normal(40, 250))
        r = rng.random()
        if r < 0.2:
            urls = cur + (self.pool[int(self.pool_zipf.sample(rng, 1)[0])],)
            delta += 180
        elif r < 0.25:
            removable = [u for u in cur if not self._is_target(u)]
            if removable:
                drop = removable[int(rng.integers(0, len(removable)))]
                urls = tuple(u for u in cur if u != drop)
                delta -= 180
        st = self._new_state(page, delta, urls)
        return _Rev(t, editor, st, self._summary(_NORMAL), minor=bool(rng.random() < 0.3))

    def _ip_edit(self, page: _Page, t: int, editor: int, vandal: bool, events: list, seq) -> _Rev:
        rng = self.rng
        conf = self.world.scenario.confounders
        cur = page.states[self._cur(page)][2]
        if not vandal:
            st = self._new_state(page, int(rng.normal(20, 120)), cur)
            return _Rev(t, editor, st, self._summary(_IP),
                        tags=("mobile edit", "mobile web edit") if rng.random() < 0.4 else ())
        if rng.random() < 0.5:  # blanking a section
            keep = tuple(u for u in cur if rng.random() < 0.7)
            st = self._new_state(page, -int(rng.uniform(300, 4_000)), keep)
        else:
            st = self._new_state(page, int(rng.uniform(5, 120)), cur)
        rev = _Rev(t, editor, st, self._summary(_VANDAL),
                   tags=("mobile edit", "mobile web edit") if rng.random() < 0.5 else (),
                   detail="vandalism")
        me = len(page.revs)
        if conf.wiki_patrol:
            if rng.random() < 0.65:
                delay, who = rng.uniform(5, 90), int(self.bot[0])
            else:
                delay = rng.uniform(60, 2_700)
                who = int(self.patrollers[int(rng.integers(0, len(self.patrollers)))])
            if rng.random() < 0.93:
                heapq.heappush(events, (t + int(delay), next(seq), "patrol", who, me))
        elif rng.random() < 0.7:
            who = int(rng.choice(self.editors))
            heapq.heappush(events, (t + int(rng.uniform(3_600, 12 * 3_600)), next(seq), "patrol",
                                    who, me))
        return rev

    def _patrol(self, page: _Page, t: int, editor: int, vandal_rev: int) -> _Rev | None:
        revs = page.revs
        vandal = revs[vandal_rev].editor
        # Roll back only while the vandal's edits are still the latest (as rollback does).
        if any(r.editor != vandal for r in revs[vandal_rev:]) or vandal_rev == 0:
            return None
        good = vandal_rev - 1
        while good > 0 and revs[good].editor == vandal:
            good -= 1
        names = self.world.wiki.names
        v, g = names[vandal], names[revs[good].editor]
        role = self.world.wiki.role[editor]
        if role == "anti_vandal_bot":
            n = int(self.rng.integers(1_000_000, 4_000_000))
            summary = (f"Reverting possible vandalism by {_contrib(v)} to version by {g}. "
                       f"[[WP:CBFP|Report False Positive?]] Thanks, [[WP:CBNG|{names[editor]}]]. "
                       f"({n}) (Bot)")
            tags: tuple[str, ...] = ()
        elif self.rng.random() < 0.6:
            summary = f"Reverted edits by {_contrib(v)} to last version by {g}"
            tags = ("mw-rollback",)
        else:
            summary = f"Reverted 1 edit by {_contrib(v)}: Vandalism ([[WP:TW|TW]])"
            tags = ("mw-manual-revert", "twinkle")
        return _Rev(t, editor, revs[good].state, summary, tags=tags, detail="patrol-revert")

    def _pick_member(self, p: int, t: int, last: int, revert: bool) -> int:
        tt = self.world.scenario.tagteam
        ok = []
        for m, pages in self.allowed.items():
            if p not in pages:
                continue
            if revert:
                recent = [x for x in self.revert_log.get((m, p), []) if t - x < 86_400]
                if len(recent) >= tt.max_reverts_per_day:
                    continue
            ok.append(m)
        if not ok:
            return -1
        fresh = [m for m in ok if m != last] or ok
        return int(fresh[int(self.rng.integers(0, len(fresh)))])

    def _schedule_opponent(self, page: _Page, p: int, ring_rev: int, t: int, rnd: int,
                           events: list, seq) -> None:
        opp = self.opponents[p][int(self.rng.integers(0, len(self.opponents[p])))]
        delay = int(self.rng.uniform(1.5, 30) * 3_600)
        heapq.heappush(events, (t + delay, next(seq), "opp_undo", opp, (ring_rev, rnd)))

    def _schedule_ring(self, page: _Page, opp_rev: int, t: int, rnd: int, events: list,
                       seq) -> None:
        lo, hi = self.world.scenario.tagteam.revert_delay_s
        heapq.heappush(events, (t + int(self.rng.uniform(lo, hi)), next(seq), "ring_revert", -1,
                                (opp_rev, rnd, 0)))

    def _opponent_undo(self, page: _Page, t: int, editor: int, ring_rev: int) -> _Rev | None:
        revs = page.revs
        ring = set(int(x) for x in self.ring)
        if ring_rev >= len(revs) or revs[ring_rev].editor not in ring:
            return None
        names = self.world.wiki.names
        reason = self._summary(_OPP_REASONS)
        if ring_rev == len(revs) - 1:
            return _Rev(t, editor, revs[ring_rev - 1].state,
                        f"Undid revision {{revid}} by {_contrib(names[revs[ring_rev].editor])}"
                        + (f" {reason}" if reason else ""),
                        ref=ring_rev, tags=("mw-undo",), detail="opponent")
        # Others edited since: restore the removed citations by hand.
        cur = page.states[self._cur(page)][2]
        removed = [u for u in page.states[revs[ring_rev - 1].state][2] if self._is_target(u)]
        st = self._new_state(page, 250 * len(removed), cur + tuple(removed))
        return _Rev(t, editor, st, "restore sourced content removed without consensus",
                    detail="opponent")

    def _ring_revert(self, page: _Page, t: int, member: int, opp_rev: int) -> _Rev | None:
        revs = page.revs
        ring = set(int(x) for x in self.ring)
        # The ring never reverts its own: skip if a member edited since the opponent did.
        if opp_rev == 0 or any(r.editor in ring for r in revs[opp_rev:]):
            return None
        target = revs[opp_rev - 1].state
        if any(self._is_target(u) for u in page.states[target][2]):
            return None  # the version before the opponent still cites the domains
        names = self.world.wiki.names
        opp = names[revs[opp_rev].editor]
        style = self.rng.random()
        if style < 0.5 and opp_rev == len(revs) - 1:
            summary = (f"Undid revision {{revid}} by {_contrib(opp)} "
                       f"{self._summary(_RING_REASONS)}")
            tags: tuple[str, ...] = ("mw-undo",)
            ref = opp_rev
        elif style < 0.75:
            summary = f"Reverted edits by {_contrib(opp)} to last version by {names[revs[opp_rev - 1].editor]}"
            tags, ref = ("mw-manual-revert",), -1
        else:
            summary, tags, ref = self._summary(_RING_MANUAL), ("mw-manual-revert",), -1
        return _Rev(t, member, target, summary, ref=ref, tags=tags, op=TAGTEAM, detail="revert")

    # -- output -------------------------------------------------------------------------------

    def _table(self) -> pa.Table:
        w = self.world
        rng = self.rng
        reg = w.wiki
        page_i, local_i, ts = [], [], []
        for p, page in enumerate(self.pages):
            for j, r in enumerate(page.revs):
                page_i.append(p)
                local_i.append(j)
                ts.append(r.ts)
        page_i = np.array(page_i, dtype=np.int64)
        local_i = np.array(local_i, dtype=np.int64)
        ts = np.array(ts, dtype=np.int64)
        n = len(ts)
        order = np.lexsort((local_i, page_i, ts))
        revid = np.empty(n, dtype=np.int64)
        revid[order] = 1_190_000_000 + np.cumsum(1 + rng.geometric(0.03, n))
        first = {}
        for g, p in enumerate(page_i.tolist()):
            first.setdefault(p, g)
        cols: dict[str, list] = {k: [] for k in ("action_id", "account", "account_id", "parent_id",
                                                 "text", "urls", "title", "extra", "op", "detail")}
        for p, page in enumerate(self.pages):
            g0 = first.get(p)
            for j, r in enumerate(page.revs):
                g = g0 + j
                sha, size, urls = page.states[r.state]
                anon = reg.role[r.editor] == "ip_editor"
                summary = r.summary
                if r.ref >= 0:
                    summary = summary.replace("{revid}", str(revid[g0 + r.ref]))
                cols["action_id"].append(str(revid[g]))
                cols["account"].append(reg.names[r.editor])
                aid = int(reg.account_ids[r.editor])
                cols["account_id"].append(None if aid < 0 else str(aid))
                parent = page.first_parent if j == 0 else int(revid[g - 1])
                cols["parent_id"].append(None if parent is None else str(parent))
                cols["text"].append(summary)
                cols["urls"].append(list(urls))
                cols["title"].append(page.title)
                cols["extra"].append(orjson.dumps({
                    "page_id": page.page_id, "ns": 0, "sha1": sha, "size": size,
                    "minor": r.minor, "tags": list(r.tags), "anon": bool(anon)}).decode())
                cols["op"].append(r.op)
                cols["detail"].append(r.detail)
        counts = np.array([len(u) for u in cols["urls"]], dtype=np.int32)
        table = pa.table({
            "platform": pa.array(["synthwiki"] * n, pa.string()),
            "action_id": pa.array(cols["action_id"], pa.string()),
            "account": pa.array(cols["account"], pa.string()),
            "account_id": pa.array(cols["account_id"], pa.string()),
            "ts": pa.array(ts * SECOND_US, pa.timestamp("us", tz="UTC")),
            "kind": pa.array(["edit"] * n, pa.string()),
            "parent_id": pa.array(cols["parent_id"], pa.string()),
            "repost_of": pa.nulls(n, pa.string()),
            "text": pa.array(cols["text"], pa.string()),
            "urls": lists_from(counts, [u for us in cols["urls"] for u in us]),
            "hashtags": pa.array([[]] * n, STR_LIST),
            "mentions": pa.array([[]] * n, STR_LIST),
            "title": pa.array(cols["title"], pa.string()),
            "extra": pa.array(cols["extra"], pa.string()),
        })
        self.op = np.array(cols["op"], dtype=np.int16)
        self.detail = pa.array(cols["detail"], pa.string())
        self._truth()
        return table

    def _truth(self) -> None:
        w = self.world
        tt = w.scenario.tagteam
        names = w.wiki.names
        if len(self.ring):
            w.truth[OPERATION_IDS[TAGTEAM]] = {
                "type": "wiki_tag_team", "platform": "synthwiki",
                "members": [names[i] for i in self.ring],
                "single_purpose": [names[i] for i in self.ring[: self.n_spa]],
                "utc_offset": self.offset, "schedule": "leisure",
                "parameters": {
                    "contested_pages": [self.pages[p].title for p in self.contested],
                    "pages_by_member": {names[m]: [self.pages[p].title for p in ps]
                                        for m, ps in self.allowed.items()},
                    "target_domains": self.targets,
                    "opponents": {self.pages[p].title: [names[o] for o in opps]
                                  for p, opps in self.opponents.items()},
                    "max_reverts_per_day": tt.max_reverts_per_day,
                    "revert_delay_s": list(tt.revert_delay_s),
                    "episodes": tt.episodes, "max_rounds": tt.max_rounds,
                    "activity": tt.activity},
            }
        if len(self.bot):
            w.truth["wiki-patrol"] = {
                "type": "wiki_patrol", "platform": "synthwiki",
                "bot": names[int(self.bot[0])],
                "patrollers": [names[i] for i in self.patrollers],
                "bot_delay_s": [5, 90], "patroller_delay_s": [60, 2_700]}

