"""Behaviours: named projections of the actions table onto ``(account, object, ts, platform, action_id)``.

Signals never read the actions table directly: they read a behaviour, so a new kind of
coordination (co-mention, co-commenting on the same video...) is one SQL projection, not new
engine code. Each projection is a single ``SELECT`` over a relation called ``actions`` written in
the SQL subset DuckDB and Spark SQL share (``unnest`` is transpiled to ``explode`` for Spark).

Objects that are platform identifiers (reposted or replied-to ids, wiki pages) are prefixed with
the platform, so equal ids on two platforms never collide; URLs, domains, hashtags and text keys
are platform-free, so cross-platform link sharing is one object.

A behaviour may also say where its objects come from, for the shared-source null of
:mod:`swarmscope.signals.shared_source`: ``sources`` (who published which item; for reposts,
quotes and replies the author of the post) or ``authored`` (the behaviour's first action on an
object authors it: texts, near-text families, links).

Built-in behaviours:

==========  ===========================================================================
repost      object = the reposted id; a repost whose source gives only the reposted text
            (FiveThirtyEight's IRA data) keys on the normalised text (``text:<key>``)
quote       object = the quoted id
share       repost or quote
reply       object = the parent replied or commented to
link        object = normalised URL, one row per URL (empty URLs never count); not wiki
            edits, whose URLs are the citations present in the page, not links shared
domain      object = host of the normalised URL (not wiki edits)
hashtag     object = lower-cased hashtag, one row per tag
mention     object = lower-cased mentioned account, one row per mention
text        object = text key of an original post, reply, quote or comment (not reposts)
neartext    object = near-duplicate text family (MinHash + LSH, :mod:`swarmscope.signals.neardup`);
            items are its texts, so only different texts of a family pair
edit        object = wiki page (title), edits and reverts
==========  ===========================================================================

``repost``, ``quote``, ``share`` and ``reply`` also have a hashed projection
(:attr:`Behaviour.hashed_sql`): the same rows with accounts and objects given by the integers
ingest stored for them (:mod:`swarmscope.hashed_names`), which joins run faster on.

Example::

    >>> print(get_behaviour("hashtag").sql)  # doctest: +ELLIPSIS
    SELECT account, lower(h) AS object, ts, platform, action_id FROM ...
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import UsageError
from .hashed_names import PARENT_OBJECT_SQL, SHARED_OBJECT_SQL
from .plugins import add_entry_points


@dataclass(frozen=True)
class Behaviour:
    """A projection ``SELECT account, object, ts, platform, action_id FROM actions ...``."""

    name: str
    description: str
    sql: str
    #: derived tables the projection reads besides ``actions`` (computed by a signal first)
    requires: tuple[str, ...] = ()
    #: for a behaviour with ``requires``: the behaviour whose actions those tables derive from
    #: (near-text families from texts); the detection runs it by default when that one has data
    derived_from: str | None = None
    #: co-action window (seconds) used when the user gives none: reposts and links spread in
    #: seconds when automated, replies to a trigger in minutes, copy-paste posting in an hour
    default_window: float = 60.0
    #: ``SELECT object, source, ts ...``: who published which item when (each source's
    #: catalogue; an object's source is its earliest publisher), for the shared-source null
    #: (:mod:`swarmscope.signals.shared_source`); None where objects have no source (hashtags)
    sources: str | None = None
    #: the first action on an object *authors* it (a text or a link others then copy): in the
    #: significance mode the author is not a co-actor of those who copy it, as the author of a
    #: post is not a co-actor of its reposters (``prepare_events(skip_authors=True)`` of
    #: :mod:`swarmscope.signals.coaction`); the behaviour's own
    #: rows are then its sources
    authored: bool = False
    #: the projection has a sixth column ``item``: each object groups several items (a
    #: near-duplicate family groups texts), and two actions on the *same* item are not paired
    #: (they are that item's co-action, which another behaviour counts: identical texts are
    #: ``text``'s), so the behaviour sees only the variation between items
    items: bool = False
    #: each action gives at most one row (no unnesting of lists), so an action id appears once
    #: per platform in the projection, as in the actions table; peer modes that key messages
    #: by id alone then need not check for repeats when the case has one platform
    one_row_per_action: bool = False
    #: the same rows as ``sql`` with ``account`` and ``object`` given by their stored hashes
    #: (:mod:`swarmscope.hashed_names`), for joins on integers in cases whose hashes are exact;
    #: None where the object has no stored hash
    hashed_sql: str | None = None

    def runs_on(self, tables: Iterable[str]) -> bool:
        """Whether the projection can run in a case holding ``tables`` besides ``actions``."""
        return set(self.requires) <= set(tables)

    @property
    def source_sql(self) -> str | None:
        """The ``object, source, ts`` relation of the shared-source null, if any."""
        if self.sources is not None:
            return self.sources
        if self.authored:
            return (f"SELECT object, account AS source, ts "
                    f"FROM ({self.sql}) AS authored")
        return None


_Q = "platform || ':' || "
# Posts that can be reposted, quoted or replied to, by their author.
_POST_SOURCES = ("SELECT " + _Q + "action_id AS object, account AS source, ts "
                 "FROM actions WHERE kind NOT IN ('repost', 'edit', 'revert')")

_REPOSTS = "WHERE kind = 'repost' AND (repost_of IS NOT NULL OR text_key IS NOT NULL)"
_QUOTES = "WHERE kind = 'quote' AND repost_of IS NOT NULL"
_SHARES = "WHERE kind IN ('repost', 'quote') AND repost_of IS NOT NULL"
_REPLIES = "WHERE kind IN ('reply', 'comment') AND parent_id IS NOT NULL"


def _hashed(object_hash: str, where: str) -> str:
    return (f"SELECT account_hash AS account, {object_hash} AS object, ts, platform, action_id "
            f"FROM actions {where}")


_BUILTIN = [
    Behaviour(
        "repost", "reposted the same object (id, or normalised text where no id is given)",
        "SELECT account, " + SHARED_OBJECT_SQL + " AS object, ts, platform, action_id "
        "FROM actions " + _REPOSTS,
        sources=_POST_SOURCES,
        one_row_per_action=True,
        hashed_sql=_hashed("shared_hash", _REPOSTS),
    ),
    Behaviour(
        "quote", "quoted the same object",
        "SELECT account, " + SHARED_OBJECT_SQL + " AS object, ts, platform, action_id "
        "FROM actions " + _QUOTES,
        sources=_POST_SOURCES,
        one_row_per_action=True,
        hashed_sql=_hashed("shared_hash", _QUOTES),
    ),
    Behaviour(
        "share", "reposted or quoted the same object",
        "SELECT account, " + SHARED_OBJECT_SQL + " AS object, ts, platform, action_id "
        "FROM actions " + _SHARES,
        sources=_POST_SOURCES,
        one_row_per_action=True,
        hashed_sql=_hashed("shared_hash", _SHARES),
    ),
    Behaviour(
        "reply", "replied to or commented on the same post",
        "SELECT account, " + PARENT_OBJECT_SQL + " AS object, ts, platform, action_id "
        "FROM actions " + _REPLIES,
        default_window=600.0,
        sources=_POST_SOURCES,
        one_row_per_action=True,
        hashed_sql=_hashed("parent_hash", _REPLIES),
    ),
    Behaviour(
        "link", "shared the same URL (normalised)",
        "SELECT account, l AS object, ts, platform, action_id FROM "
        "(SELECT account, unnest(links) AS l, ts, platform, action_id FROM actions "
        "WHERE kind NOT IN ('edit', 'revert')) WHERE l IS NOT NULL",
        authored=True,
    ),
    Behaviour(
        "domain", "shared links to the same domain",
        "SELECT account, object, ts, platform, action_id FROM (SELECT DISTINCT account, "
        "regexp_extract(l, '^[a-z0-9+.-]+://([^/:?#]+)', 1) AS object, ts, platform, action_id FROM "
        "(SELECT account, unnest(links) AS l, ts, platform, action_id FROM actions "
        "WHERE kind NOT IN ('edit', 'revert'))) WHERE object <> ''",
    ),
    Behaviour(
        "hashtag", "used the same hashtag",
        "SELECT account, lower(h) AS object, ts, platform, action_id FROM "
        "(SELECT account, unnest(hashtags) AS h, ts, platform, action_id FROM actions) "
        "WHERE h IS NOT NULL AND h <> ''",
    ),
    Behaviour(
        "mention", "mentioned the same account",
        "SELECT account, lower(m) AS object, ts, platform, action_id FROM "
        "(SELECT account, unnest(mentions) AS m, ts, platform, action_id FROM actions) "
        "WHERE m IS NOT NULL AND m <> ''",
    ),
    Behaviour(
        "text", "posted the same text (after normalisation)",
        "SELECT account, 'text:' || text_key AS object, ts, platform, action_id FROM actions "
        "WHERE text_key IS NOT NULL AND kind IN ('post', 'reply', 'quote', 'comment')",
        default_window=3600.0,
        authored=True,
        one_row_per_action=True,
    ),
    Behaviour(
        "neartext", "posted different texts of one near-duplicate family (MinHash/LSH)",
        # text_families is computed by swarmscope.signals.neardup before this behaviour runs
        "SELECT a.account, 'family:' || f.family AS object, a.ts, a.platform, a.action_id, "
        "a.text_key AS item "
        "FROM actions a JOIN text_families f ON f.text_key = a.text_key "
        "WHERE a.kind IN ('post', 'reply', 'quote', 'comment') AND f.family_size > 1",
        requires=("text_families",),
        derived_from="text",
        default_window=3600.0,
        authored=True,
        items=True,
    ),
    Behaviour(
        "edit", "edited the same wiki page",
        "SELECT account, " + _Q + "title AS object, ts, platform, action_id FROM actions "
        "WHERE kind IN ('edit', 'revert') AND title IS NOT NULL",
        default_window=3600.0,
        one_row_per_action=True,
    ),
]

_REGISTRY: dict[str, Behaviour] = {b.name: b for b in _BUILTIN}


def register_behaviour(behaviour: Behaviour, replace: bool = False) -> None:
    """Add a behaviour (for plugins and notebooks)."""
    if behaviour.name in _REGISTRY and not replace:
        raise UsageError(f"behaviour {behaviour.name!r} exists already")
    _REGISTRY[behaviour.name] = behaviour


def behaviours() -> dict[str, Behaviour]:
    """All known behaviours by name."""
    add_entry_points("swarmscope.behaviours", _REGISTRY, Behaviour)
    return dict(_REGISTRY)


def get_behaviour(name: str) -> Behaviour:
    known = behaviours()
    if name not in known:
        raise UsageError(f"unknown behaviour {name!r}; known: {', '.join(sorted(known))}")
    return known[name]


def behaviour_sql(names: str | list[str], with_items: bool = False,
                  hashed: bool = False) -> str:
    """SQL of one behaviour, or the union of several (with a ``behaviour`` column).

    With ``with_items`` the relation has a seventh column, ``item`` (NULL for behaviours without
    items, see :attr:`Behaviour.items`), for the co-action engine to leave same-item actions
    unpaired. With ``hashed`` accounts and objects are their stored hashes
    (:attr:`Behaviour.hashed_sql`; only for behaviours that have one).
    """
    if isinstance(names, str):
        names = [names]
    parts = []
    for n in names:
        b = get_behaviour(n)
        item = ""
        if with_items:
            item = ", item" if b.items else ", CAST(NULL AS VARCHAR) AS item"
        sql = b.sql
        if hashed:
            if b.hashed_sql is None:
                raise UsageError(f"behaviour {b.name!r} has no hashed projection")
            sql = b.hashed_sql
        parts.append(f"SELECT '{b.name}' AS behaviour, account, object, ts, platform, action_id"
                     f"{item} FROM ({sql}) AS q")
    return " UNION ALL ".join(parts)
