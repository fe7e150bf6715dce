"""Ingest throughput and memory per input format.

For each format, writes a synthetic file of N records in that format (realistic field lengths,
hashtags, URLs, mentions, replies and reposts), ingests it into a fresh temporary case through the
Python API in a child process (so peak RSS is that format's alone), then times the adapter alone
(parsing without the ingest pipeline) in the same child. Formats of the second adapter set join
the table when ``benchmarks/ingest_generators_b.py`` exists (``GENERATORS = {format: fn(path,
n_records)}``).

Usage::

    python benchmarks/ingest.py                      # all formats, 200,000 records each
    python benchmarks/ingest.py -n 1000000 -f twitter-io,ira-538

Columns: ``rows`` are actions produced (a twitter-v2 page also yields the referenced tweets of
its ``includes``), ``ingest/s`` is rows per second end to end (parse, validate, derive, dedupe,
commit) in wall-clock time, ``ingest/CPU s`` the same per second of the process's CPU time (all
threads; a fairer figure on a busy machine), ``parse/s`` the adapter alone (wall clock), ``peak
RSS`` the child's maximum resident set.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

WORDS = ("the vote was rigged they do not want you to see this share before it is deleted "
         "election fraud media lies wake up people truth freedom breaking news now watch "
         "read thread why nobody talks about it everyone must know").split()
TAGS = ["Election2024", "Rigged", "StopTheSteal", "WakeUp", "Truth", "Выборы", "عاجل", "MAGA"]
DOMAINS = ["example-news.com", "truth.example.org", "bit.ly", "rumble.example", "youtu.be"]


def _text(rng: random.Random, n_words: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n_words)]
    if rng.random() < 0.4:
        words.append("#" + rng.choice(TAGS))
    if rng.random() < 0.3:
        words.insert(0, f"@user{rng.randrange(5000)}")
    if rng.random() < 0.3:
        words.append(_url(rng))
    if rng.random() < 0.05:
        words.append("😡🇺🇸")
    return " ".join(words)


def _url(rng: random.Random) -> str:
    return f"https://{rng.choice(DOMAINS)}/{rng.randrange(2000)}?utm_source=tw"


def _ts(rng: random.Random, fmt: str) -> str:
    t = 1_600_000_000 + rng.randrange(3_000_000)
    return time.strftime(fmt, time.gmtime(t))


# --------------------------------------------------------------------------- generators
def gen_twitter_v2(path: Path, n: int) -> None:
    """twarc2 search output: pages of 100 tweets with includes.users and includes.tweets."""
    rng = random.Random(1)
    with open(path, "w", encoding="utf-8") as fh:
        for start in range(0, n, 100):
            data, users, refs = [], {}, {}
            for i in range(start, min(n, start + 100)):
                uid = str(1000 + rng.randrange(20_000))
                users[uid] = {"id": uid, "username": f"user{uid}", "name": f"User {uid}",
                              "created_at": "2020-01-01T00:00:00.000Z",
                              "public_metrics": {"followers_count": rng.randrange(10_000)}}
                t = {"id": str(10**17 + i), "author_id": uid, "text": _text(rng),
                     "created_at": _ts(rng, "%Y-%m-%dT%H:%M:%S.000Z"), "lang": "en",
                     "conversation_id": str(10**17 + i),
                     "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1,
                                        "quote_count": 0}}
                r = rng.random()
                if r < 0.5:
                    ref = str(10**16 + rng.randrange(2000))
                    t["referenced_tweets"] = [{"type": "retweeted" if r < 0.4 else "quoted",
                                               "id": ref}]
                    refs[ref] = {"id": ref, "author_id": "42", "text": _text(rng),
                                 "created_at": "2020-09-01T00:00:00.000Z"}
                elif r < 0.7:
                    t["referenced_tweets"] = [{"type": "replied_to", "id": str(10**17 + i - 1)}]
                t["entities"] = {
                    "hashtags": [{"start": 0, "end": 5, "tag": rng.choice(TAGS)}],
                    "urls": [{"start": 6, "end": 29, "url": "https://t.co/x",
                              "expanded_url": _url(rng)}] if rng.random() < 0.3 else [],
                    "mentions": [{"start": 0, "end": 5, "username": f"user{rng.randrange(500)}"}],
                }
                data.append(t)
            page = {"data": data, "includes": {"users": list(users.values()),
                                               "tweets": list(refs.values())},
                    "meta": {"result_count": len(data)}, "__twarc": {"version": "2.12.0"}}
            fh.write(json.dumps(page) + "\n")


def gen_twitter_v2_csv(path: Path, n: int) -> None:
    """twarc2 csv output (twarc-csv 0.7 column names, entity columns as JSON lists)."""
    rng = random.Random(2)
    cols = ["id", "conversation_id", "referenced_tweets.replied_to.id",
            "referenced_tweets.retweeted.id", "referenced_tweets.quoted.id", "author_id",
            "created_at", "text", "lang", "public_metrics.retweet_count", "entities.hashtags",
            "entities.mentions", "entities.urls", "author.id", "author.username", "author.name",
            "__twarc.version"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for i in range(n):
            uid = str(1000 + rng.randrange(20_000))
            r = rng.random()
            ref = str(10**16 + rng.randrange(2000))
            w.writerow([10**17 + i, 10**17 + i, ref if 0.5 <= r < 0.7 else "",
                        ref if r < 0.4 else "", ref if 0.4 <= r < 0.5 else "", uid,
                        _ts(rng, "%Y-%m-%dT%H:%M:%S.000Z"), _text(rng), "en", rng.randrange(50),
                        json.dumps(["#" + rng.choice(TAGS)]),
                        json.dumps([f"@user{rng.randrange(500)}"]),
                        json.dumps([_url(rng)] if rng.random() < 0.3 else []),
                        uid, f"user{uid}", f"User {uid}", "2.12.0"])


def gen_twitter_io(path: Path, n: int) -> None:
    rng = random.Random(3)
    cols = ("tweetid,userid,user_display_name,user_screen_name,user_reported_location,"
            "user_profile_description,user_profile_url,follower_count,following_count,"
            "account_creation_date,account_language,tweet_language,tweet_text,tweet_time,"
            "tweet_client_name,in_reply_to_userid,in_reply_to_tweetid,quoted_tweet_tweetid,"
            "is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,"
            "reply_count,like_count,retweet_count,hashtags,urls,user_mentions,"
            "poll_choices").split(",")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for i in range(n):
            uid = f"{rng.getrandbits(256):064x}" if rng.random() < 0.7 else str(rng.randrange(10**9))
            r = rng.random()
            rt = r < 0.5
            tags = [rng.choice(TAGS)] if rng.random() < 0.4 else []
            urls = [_url(rng)] if rng.random() < 0.3 else []
            w.writerow([10**17 + i, uid, uid, uid, "", "", "", rng.randrange(5000),
                        rng.randrange(5000), "2016-01-01", "en", "en", _text(rng),
                        _ts(rng, "%Y-%m-%d %H:%M"), "Twitter Web Client", "",
                        10**17 + i - 1 if 0.5 <= r < 0.6 else "",
                        10**16 + rng.randrange(1000) if 0.6 <= r < 0.65 else "",
                        "True" if rt else "False", "123" if rt else "",
                        10**16 + rng.randrange(1000) if rt else "", "", "", 0, 0, 0, 0,
                        repr(tags), repr(urls), repr([str(rng.randrange(10**6))]), ""])


def gen_ira_538(path: Path, n: int) -> None:
    rng = random.Random(4)
    cols = ("external_author_id,author,content,region,language,publish_date,harvested_date,"
            "following,followers,updates,post_type,account_type,retweet,account_category,"
            "new_june_2018,alt_external_id,tweet_id,article_url,tco1_step1,tco2_step1,"
            "tco3_step1").split(",")
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for i in range(n):
            a = rng.randrange(2000)
            r = rng.random()
            post_type = "RETWEET" if r < 0.8 else "QUOTE_TWEET" if r < 0.81 else ""
            pub = _ts(rng, "%m/%d/%Y %H:%M").lstrip("0").replace("/0", "/")
            w.writerow([10**9 + a, f"TROLL_{a}", _text(rng), "United States", "English", pub, pub,
                        rng.randrange(3000), rng.randrange(9000), rng.randrange(9000), post_type,
                        "Right", int(bool(post_type)), "RightTroll", 0, 10**9 + a,
                        10**17 + i if rng.random() < 0.7 else "",
                        f"http://twitter.com/{a}/statuses/{i}",
                        _url(rng) if rng.random() < 0.3 else "", "", ""])


def gen_crowdtangle(path: Path, n: int) -> None:
    rng = random.Random(5)
    cols = ["Page Name", "User Name", "Facebook Id", "Page Category", "Page Admin Top Country",
            "Page Description", "Page Created", "Likes at Posting", "Followers at Posting",
            "Post Created", "Post Created Date", "Post Created Time", "Type",
            "Total Interactions", "Likes", "Comments", "Shares", "Love", "Wow", "Haha", "Sad",
            "Angry", "Care", "Video Share Status", "Is Video Owner?", "Post Views",
            "Total Views", "Total Views For All Crossposts", "Video Length", "URL", "Message",
            "Link", "Final Link", "Image Text", "Link Text", "Description", "Sponsor Id",
            "Sponsor Name", "Sponsor Category", "Overperforming Score"]
    zones = ["EST", "EDT", "CST", "PST", "UTC", "CET"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for i in range(n):
            p = rng.randrange(3000)
            created = _ts(rng, "%Y-%m-%d %H:%M:%S")
            link = _url(rng) if rng.random() < 0.6 else ""
            w.writerow([f"Page {p}", f"page{p}", 10**14 + p, "NEWS_SITE", "US", "", "2015-01-01",
                        rng.randrange(10**5), rng.randrange(10**5),
                        f"{created} {rng.choice(zones)}", created[:10], created[11:],
                        "Link" if link else "Status", rng.randrange(1000), 1, 2, 3, 0, 0, 0, 0,
                        0, 0, "", "", 0, 0, 0, "",
                        f"https://www.facebook.com/page{p}/posts/{10**15 + i}", _text(rng, 25),
                        link, link.replace("bit.ly", "example-news.com"), "", "A headline", "",
                        "", "", "", "1.2"])


def gen_youtube(path: Path, n: int) -> None:
    """commentThreads.list pages of 100 comments: threads with up to 3 replies."""
    rng = random.Random(6)
    with open(path, "w", encoding="utf-8") as fh:
        made = 0
        while made < n:
            items = []
            while made < n and len(items) < 100:
                video = f"vid{rng.randrange(300):08d}"
                tid = f"Ug{made:020d}"

                def comment(cid: str, parent: str | None, video: str = video) -> dict:
                    ch = f"UC{rng.randrange(30_000):022d}"
                    sn = {"videoId": video, "textOriginal": _text(rng),
                          "textDisplay": "...", "authorDisplayName": f"@{ch[-6:]}",
                          "authorChannelId": {"value": ch}, "likeCount": rng.randrange(50),
                          "publishedAt": _ts(rng, "%Y-%m-%dT%H:%M:%SZ"),
                          "updatedAt": _ts(rng, "%Y-%m-%dT%H:%M:%SZ")}
                    if parent:
                        sn["parentId"] = parent
                    return {"kind": "youtube#comment", "id": cid, "snippet": sn}

                top = comment(tid, None)
                made += 1
                replies = []
                for j in range(rng.randrange(4)):
                    if made >= n:
                        break
                    replies.append(comment(f"{tid}.{j}", tid))
                    made += 1
                thread = {"kind": "youtube#commentThread", "id": tid,
                          "snippet": {"videoId": video, "topLevelComment": top,
                                      "totalReplyCount": len(replies)}}
                if replies:
                    thread["replies"] = {"comments": replies}
                items.append(thread)
            fh.write(json.dumps({"kind": "youtube#commentThreadListResponse",
                                 "items": items}) + "\n")


#: benchmark label -> (format name, generator, file name)
CASES: dict[str, tuple[str, Callable[[Path, int], None], str]] = {
    "twitter-v2 (pages)": ("twitter-v2", gen_twitter_v2, "pages.jsonl"),
    "twitter-v2 (csv)": ("twitter-v2", gen_twitter_v2_csv, "twarc2.csv"),
    "twitter-io": ("twitter-io", gen_twitter_io, "io.csv"),
    "ira-538": ("ira-538", gen_ira_538, "ira.csv"),
    "crowdtangle": ("crowdtangle", gen_crowdtangle, "ct.csv"),
    "youtube": ("youtube", gen_youtube, "comments.jsonl"),
}


def _load_second_set() -> None:
    path = Path(__file__).with_name("ingest_generators_b.py")
    if not path.exists():
        return
    spec = importlib.util.spec_from_file_location("ingest_generators_b", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for fmt, fn in getattr(module, "GENERATORS", {}).items():
        CASES.setdefault(fmt, (fmt, fn, f"{fmt}.data"))


# --------------------------------------------------------------------------- measuring
def _measure(fmt: str, path: str, workdir: str, queue: mp.Queue) -> None:
    import swarmscope
    from swarmscope.sources.base import ReadContext, SourceOptions
    from swarmscope.sources.registry import get_source

    case = swarmscope.Case.init(Path(workdir) / "case")
    t0, c0 = time.perf_counter(), time.process_time()
    report = swarmscope.ingest(case, [path], format=fmt)
    ingest_s, ingest_cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    source = get_source(fmt)(SourceOptions())
    ctx = ReadContext(Path(path), path, SourceOptions(), file_key="bench")
    t0 = time.perf_counter()
    parsed = sum(b.num_rows for b in source.read(ctx))
    parse_s = time.perf_counter() - t0
    queue.put({"rows": report.records, "added": report.added, "ingest_s": ingest_s,
               "ingest_cpu": ingest_cpu, "parse_rows": parsed, "parse_s": parse_s,
               "peak_mib": peak_kib / 1024})


def main(argv: list[str] | None = None) -> None:
    _load_second_set()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--records", type=int, default=200_000)
    ap.add_argument("-f", "--formats", help="comma-separated labels (default: all)")
    args = ap.parse_args(argv)
    labels = args.formats.split(",") if args.formats else list(CASES)
    ctx = mp.get_context("spawn")
    print(f"{'format':<20} {'rows':>10} {'file MiB':>9} {'seconds':>8} {'ingest/s':>10} "
          f"{'CPU s':>7} {'ingest/CPU s':>13} {'parse/s':>10} {'peak RSS MiB':>13}")
    for label in labels:
        fmt, gen, name = CASES[label]
        with tempfile.TemporaryDirectory(prefix="swarmscope-bench-") as tmp:
            path = Path(tmp) / name
            gen(path, args.records)
            queue = ctx.Queue()
            proc = ctx.Process(target=_measure, args=(fmt, str(path), tmp, queue))
            proc.start()
            proc.join()
            if proc.exitcode != 0:
                print(f"{label:<20} failed (exit code {proc.exitcode})")
                continue
            r = queue.get()
            size = path.stat().st_size / 2**20
            print(f"{label:<20} {r['rows']:>10,} {size:>9.1f} {r['ingest_s']:>8.2f} "
                  f"{r['rows'] / r['ingest_s']:>10,.0f} {r['ingest_cpu']:>7.2f} "
                  f"{r['rows'] / r['ingest_cpu']:>13,.0f} {r['parse_rows'] / r['parse_s']:>10,.0f} "
                  f"{r['peak_mib']:>13,.0f}", flush=True)


if __name__ == "__main__":
    main()
