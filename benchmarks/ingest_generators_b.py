"""Large synthetic inputs in the Reddit, Telegram, Bluesky and Mastodon export formats.

``GENERATORS[format](path, n_records)`` writes ``n_records`` raw records of that format to
``path`` (for ``benchmarks/ingest.py``). The records mix the kinds each format has (posts,
replies, reposts/forwards/boosts, quotes, likes, deleted authors, service messages...) in
realistic proportions, with non-ASCII text, links, hashtags and mentions, so that every branch
of the adapters is timed, not only the cheapest one. Output is deterministic for a given
``n_records``.

Run directly to time the adapters' parsing alone (no case, no pipeline)::

    PYTHONPATH=src python benchmarks/ingest_generators_b.py 200000
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import orjson

WORDS = ("vote", "election", "truth", "news", "breaking", "share", "today", "now", "people",
         "выборы", "правда", "مرحبا", "שלום", "🔥", "🗳️", "😀", "the", "and", "is", "we")


def _text(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def reddit(path: Path, n_records: int) -> None:
    """Pushshift-style NDJSON: 30% submissions (some crossposts), 70% comments, 3% deleted."""
    rng = random.Random(1)
    with open(path, "wb") as fh:
        for i in range(n_records):
            author = "[deleted]" if rng.random() < 0.03 else f"user_{rng.randrange(5000)}"
            base = {"id": f"x{i:x}", "author": author, "created_utc": 1600000000 + i,
                    "subreddit": f"sub{rng.randrange(50)}", "subreddit_id": "t5_2qh1i",
                    "score": rng.randrange(100), "retrieved_on": 1600500000}
            if author != "[deleted]":
                base["author_fullname"] = f"t2_{rng.randrange(5000):x}"
            if rng.random() < 0.3:
                is_self = rng.random() < 0.5
                base.update(title=_text(rng, 8), is_self=is_self, num_comments=rng.randrange(50),
                            selftext=_text(rng, 30) if is_self else "",
                            url=(f"https://www.reddit.com/r/x/comments/x{i:x}/" if is_self else
                                 f"https://news{rng.randrange(30)}.example.com/a?id={i}&amp;s=1"),
                            permalink=f"/r/x/comments/x{i:x}/t/", domain="example.com")
                if rng.random() < 0.05:
                    base["crosspost_parent"] = f"t3_x{rng.randrange(max(i, 1)):x}"
            else:
                link = f"t3_x{rng.randrange(max(i, 1)):x}"
                parent = link if rng.random() < 0.5 else f"t1_x{rng.randrange(max(i, 1)):x}"
                body = _text(rng, 20)
                if rng.random() < 0.1:
                    body += f" see https://example.org/{i}?a=1&amp;b=2 u/user_{rng.randrange(50)}"
                base.update(body=body, link_id=link, parent_id=parent, controversiality=0)
            fh.write(orjson.dumps(base) + b"\n")


def telegram(path: Path, n_records: int) -> None:
    """A Telegram Desktop channel/group export: 5% service messages, 20% forwards, 30% replies,
    entity lists with links, hashtags and mentions."""
    rng = random.Random(2)
    with open(path, "wb") as fh:
        fh.write(b'{\n "name": "Synthetic \xf0\x9f\x87\xba\xf0\x9f\x87\xa6",\n'
                 b' "type": "public_supergroup",\n "id": 1789456123,\n "messages": [')
        for i in range(1, n_records + 1):
            ts = 1700000000 + i
            if rng.random() < 0.05:
                msg = {"id": i, "type": "service", "date": "2023-11-14T22:13:20",
                       "date_unixtime": str(ts), "actor": "X", "actor_id": "user1",
                       "action": "join_group_by_link", "text": "", "text_entities": []}
            else:
                user = rng.randrange(3000)
                text: object = _text(rng, 15)
                entities = [{"type": "plain", "text": text}]
                if rng.random() < 0.3:
                    text = [_text(rng, 5), {"type": "link", "text": f"https://t.me/c/{i}"}, " ",
                            {"type": "hashtag", "text": "#выборы"}, " ",
                            {"type": "mention", "text": f"@user{rng.randrange(99)}"}]
                    entities = [e if isinstance(e, dict) else {"type": "plain", "text": e}
                                for e in text]
                msg = {"id": i, "type": "message", "date": "2023-11-14T22:13:20",
                       "date_unixtime": str(ts), "from": f"User {user}",
                       "from_id": f"user{user}", "text": text, "text_entities": entities}
                r = rng.random()
                if r < 0.2:
                    msg["forwarded_from"] = f"Channel {rng.randrange(20)}"
                elif r < 0.5:
                    msg["reply_to_message_id"] = rng.randrange(1, i + 1)
            fh.write((b",\n  " if i > 1 else b"\n  ") + orjson.dumps(msg, option=orjson.OPT_INDENT_2))
        fh.write(b"\n ]\n}\n")


def bluesky(path: Path, n_records: int) -> None:
    """Jetstream JSON lines: 35% likes, 15% reposts, 40% posts (replies, quotes, facets),
    10% deletes, follows and identity events."""
    rng = random.Random(3)
    with open(path, "wb") as fh:
        for i in range(n_records):
            did = f"did:plc:{rng.randrange(20000):020x}"
            t = 1725911162329308 + i * 1000
            target = f"at://did:plc:{rng.randrange(20000):020x}/app.bsky.feed.post/3l{rng.randrange(10**6)}"
            r = rng.random()
            if r < 0.35:
                coll, record = "app.bsky.feed.like", {"$type": "app.bsky.feed.like",
                    "createdAt": "2024-09-09T19:46:02.102Z", "subject": {"uri": target, "cid": "bafy"}}
            elif r < 0.5:
                coll, record = "app.bsky.feed.repost", {"$type": "app.bsky.feed.repost",
                    "createdAt": "2024-09-09T19:46:02.102Z", "subject": {"uri": target, "cid": "bafy"}}
            elif r < 0.9:
                coll = "app.bsky.feed.post"
                record = {"$type": coll, "createdAt": "2024-09-09T19:46:02.102Z", "langs": ["en"],
                          "text": _text(rng, 20) + " #vote https://example.com/x",
                          "facets": [{"index": {"byteStart": 0, "byteEnd": 5}, "features": [
                              {"$type": "app.bsky.richtext.facet#tag", "tag": "vote"}]},
                              {"index": {"byteStart": 6, "byteEnd": 30}, "features": [
                              {"$type": "app.bsky.richtext.facet#link", "uri": f"https://example.com/{i}"}]}]}
                if rng.random() < 0.4:
                    record["reply"] = {"root": {"uri": target, "cid": "b"}, "parent": {"uri": target, "cid": "b"}}
                elif rng.random() < 0.1:
                    record["embed"] = {"$type": "app.bsky.embed.record", "record": {"uri": target, "cid": "b"}}
            else:
                if rng.random() < 0.5:
                    event = {"did": did, "time_us": t, "kind": "commit", "commit": {
                        "rev": "x", "operation": "delete", "collection": "app.bsky.feed.like",
                        "rkey": f"3k{i}"}}
                else:
                    event = {"did": did, "time_us": t, "kind": "identity", "identity": {
                        "did": did, "handle": f"u{i}.bsky.social", "seq": i, "time": "2024-09-09T19:46:02Z"}}
                fh.write(orjson.dumps(event) + b"\n")
                continue
            event = {"did": did, "time_us": t, "kind": "commit", "commit": {
                "rev": "3l3qo2vuowo2b", "operation": "create", "collection": coll,
                "rkey": f"3l{i:x}", "record": record, "cid": "bafyreib2rxk3rh6kzwq"}}
            fh.write(orjson.dumps(event) + b"\n")


def mastodon(path: Path, n_records: int) -> None:
    """Mastodon API statuses as one JSON array: 25% boosts, 25% replies, HTML content with
    links, hashtags and mentions."""
    rng = random.Random(4)
    with open(path, "wb") as fh:
        fh.write(b"[")
        for i in range(n_records):
            user = rng.randrange(3000)
            host = "a.social" if user % 3 else "other.example"
            acct = f"u{user}" if host == "a.social" else f"u{user}@other.example"
            account = {"id": str(user), "username": f"u{user}", "acct": acct,
                       "display_name": f"User {user}", "created_at": "2024-01-02T00:00:00.000Z",
                       "bot": False, "url": f"https://{host}/@u{user}",
                       "followers_count": 3, "following_count": 5, "statuses_count": 9}
            status = {"id": str(113000000000000000 + i), "created_at": "2024-09-09T19:46:02.102Z",
                      "uri": f"https://{host}/users/u{user}/statuses/{i}",
                      "url": f"https://{host}/@u{user}/{i}", "visibility": "public",
                      "language": "en", "in_reply_to_id": None, "account": account,
                      "media_attachments": [], "mentions": [], "tags": [], "emojis": [],
                      "card": None, "replies_count": 0, "reblogs_count": 0, "favourites_count": 0}
            r = rng.random()
            if r < 0.25:
                status["content"] = ""
                status["reblog"] = {"uri": f"https://other.example/users/x/statuses/{rng.randrange(i + 1)}",
                                    "url": "https://other.example/@x/1",
                                    "account": {"acct": "x@other.example", "url": "https://other.example/@x"}}
            else:
                status["content"] = (
                    f"<p>{_text(rng, 12)} &amp; more<br>see <a href=\"https://news.example.com/{i}\" "
                    "rel=\"nofollow noopener\" target=\"_blank\"><span class=\"invisible\">https://"
                    f"</span><span class=\"ellipsis\">news.example.com/{i}</span></a></p><p>"
                    "<a href=\"https://a.social/tags/vote\" class=\"mention hashtag\" rel=\"tag\">#"
                    "<span>vote</span></a> <span class=\"h-card\"><a href=\"https://a.social/@ann\" "
                    "class=\"u-url mention\">@<span>ann</span></a></span></p>")
                status["tags"] = [{"name": "vote", "url": "https://a.social/tags/vote"}]
                status["mentions"] = [{"id": "1", "username": "ann", "acct": "ann",
                                       "url": "https://a.social/@ann"}]
                if r < 0.5:
                    status["in_reply_to_id"] = str(113000000000000000 + rng.randrange(i + 1))
            fh.write((b",\n" if i else b"\n") + orjson.dumps(status))
        fh.write(b"\n]\n")


GENERATORS: dict[str, Callable[[Path, int], None]] = {
    "reddit": reddit,
    "telegram": telegram,
    "bluesky": bluesky,
    "mastodon": mastodon,
}


def _time_adapters(n_records: int) -> None:
    import resource
    import tempfile
    import time

    from swarmscope.sources.base import ReadContext, SourceOptions
    from swarmscope.sources.registry import get_source

    with tempfile.TemporaryDirectory() as tmp:
        for name, generate in GENERATORS.items():
            path = Path(tmp) / f"{name}.json"
            generate(path, n_records)
            source = get_source(name)(SourceOptions())
            ctx = ReadContext(path, str(path), SourceOptions(), file_key="bench")
            wall, cpu = time.perf_counter(), time.process_time()
            rows = sum(batch.num_rows for batch in source.read(ctx))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            size = path.stat().st_size / 2**20
            # CPU time: on a shared machine wall time measures the neighbours too.
            print(f"{name:9s} {n_records:,} records ({size:,.0f} MiB) -> {rows:,} actions: "
                  f"{n_records / cpu:,.0f} records/s of CPU time ({cpu:.2f} s; wall {wall:.2f} s)"
                  f"; peak RSS so far "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    import sys

    _time_adapters(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
