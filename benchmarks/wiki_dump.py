"""Benchmark: parsing a MediaWiki stub-meta-history dump (``--format mediawiki-xml``).

Generates a synthetic stub-meta-history file in the shape of Wikimedia's 0.11 stub dumps
(``<origin>``, ``<model>``, ``<text bytes= sha1= location= id=/>``, base-36 ``<sha1>``, about 8%
anonymous and 0.1% deleted contributors) into a temporary folder, then measures, each in a fresh
child process:

- **parse**: :class:`swarmscope.wiki.xmldump.MediaWikiXmlSource` reading the file into Arrow
  batches (what ``swarmscope ingest`` runs before validation), revisions per second and peak
  resident memory. Goal: >= 100,000 revisions/s on one core, memory independent of file size;
- **ingest** (``--ingest``): the whole ``swarmscope.ingest`` call into a fresh case (parse,
  timestamp parsing, validation, dedupe, Parquet, commit).

Run::

    PYTHONPATH=src python benchmarks/wiki_dump.py                 # 1M and 100k revisions
    PYTHONPATH=src python benchmarks/wiki_dump.py --revisions 2000000 --compression gz --ingest
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.11/ \
http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" xml:lang="en">
  <siteinfo>
    <sitename>Wikipedia</sitename>
    <dbname>enwiki</dbname>
    <base>https://en.wikipedia.org/wiki/Main_Page</base>
    <generator>MediaWiki 1.42.0-wmf.1</generator>
    <case>first-letter</case>
    <namespaces>
      <namespace key="0" case="first-letter" />
      <namespace key="1" case="first-letter">Talk</namespace>
    </namespaces>
  </siteinfo>
"""

REVISION = """    <revision>
      <id>{rid}</id>
      <parentid>{parent}</parentid>
      <timestamp>{ts}</timestamp>
      <contributor>
{who}
      </contributor>{minor}
      <comment>{comment}</comment>
      <origin>{rid}</origin>
      <model>wikitext</model>
      <format>text/x-wiki</format>
      <text bytes="{size}" sha1="{sha}" location="tt:{rid}" id="{rid}" />
      <sha1>{sha}</sha1>
    </revision>
"""
COMMENTS = ["/* History */ expanded", "Reverted edits by [[Special:Contributions/X|X]]",
            "copyedit", "rv vandalism", "added citation", "", "[[WP:AES|←]]Created page"]


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(digits[r])
    return "".join(reversed(out)) or "0"


def generate(path: Path, revisions: int, seed: int = 5) -> int:
    """Write a stub dump with ``revisions`` revisions; returns its size in bytes."""
    rnd = random.Random(seed)
    opener = gzip.open if path.suffix == ".gz" else open
    rid = 1000
    page = 0
    written = 0
    t0 = 978307200  # 2001-01-01
    with opener(path, "wt", encoding="utf-8") as out:
        out.write(HEADER)
        while written < revisions:
            page += 1
            n = min(revisions - written, max(1, int(rnd.paretovariate(1.2) * 20)))
            out.write(f"  <page>\n    <title>Page {page}</title>\n    <ns>{page % 2}</ns>\n"
                      f"    <id>{page}</id>\n")
            parent = 0
            ts = t0 + page * 97
            chunks = []
            for _ in range(n):
                rid += 1
                ts += rnd.randint(60, 86400 * 30)
                roll = rnd.random()
                if roll < 0.001:
                    who = ""  # becomes <contributor deleted="deleted" /> below
                elif roll < 0.08:
                    who = f"        <ip>198.51.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}</ip>"
                else:
                    u = rnd.randint(1, 200_000)
                    who = f"        <username>Editor {u}</username>\n        <id>{u}</id>"
                sha = _base36(int(hashlib.sha1(str(rid % 5000).encode()).hexdigest(), 16))
                chunks.append(REVISION.format(
                    rid=rid, parent=parent, ts=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                             time.gmtime(ts)),
                    who=who, minor="\n      <minor />" if rnd.random() < 0.3 else "",
                    comment=COMMENTS[rid % len(COMMENTS)], size=rnd.randint(0, 90_000),
                    sha=sha).replace("      <contributor>\n\n      </contributor>",
                                     '      <contributor deleted="deleted" />'))
                parent = rid
            out.write("".join(chunks))
            out.write("  </page>\n")
            written += n
        out.write("</mediawiki>\n")
    return path.stat().st_size


def _child(path: str, mode: str) -> None:
    """Run in a fresh interpreter: parse (or ingest) ``path`` and print the measurements."""
    import swarmscope  # noqa: F401 - imports are not what is measured
    from swarmscope.sources.base import ReadContext, SourceOptions
    from swarmscope.wiki.xmldump import MediaWikiXmlSource

    start = time.perf_counter()
    cpu0 = time.process_time()
    if mode == "parse":
        ctx = ReadContext(Path(path), path, SourceOptions())
        rows = sum(b.num_rows for b in MediaWikiXmlSource().read(ctx))
    else:
        case = swarmscope.Case.init(Path(tempfile.mkdtemp()) / "case")
        rows = swarmscope.ingest(case, [path], format="mediawiki-xml").added
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "cpu": cpu, "peak_mb": peak}))


def measure(path: Path, mode: str) -> dict:
    env = {**os.environ, "SWARMSCOPE_THREADS": "1"}
    out = subprocess.run([sys.executable, __file__, "--child", str(path), mode], env=env,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--revisions", type=int, default=1_000_000)
    ap.add_argument("--small", type=int, default=100_000,
                    help="a second, smaller dump to show memory does not grow with size")
    ap.add_argument("--compression", default="plain", choices=["plain", "gz"])
    ap.add_argument("--ingest", action="store_true", help="also time the full ingest")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="wiki-bench-") as tmp:
        for n in sorted({args.revisions, args.small}, reverse=True):
            suffix = ".xml.gz" if args.compression == "gz" else ".xml"
            path = Path(tmp) / f"stub-meta-history-{n}{suffix}"
            t = time.perf_counter()
            size = generate(path, n)
            gen = time.perf_counter() - t
            print(f"generated {n:,} revisions, {size / 1e6:,.0f} MB in {gen:.0f} s",
                  file=sys.stderr)
            modes = ["parse"] + (["ingest"] if args.ingest else [])
            for mode in modes:
                m = measure(path, mode)
                assert m["rows"] == n, m
                rows.append((mode, args.compression, n, size, m))
            path.unlink()
    print(f"\n{'step':<7} {'input':<6} {'revisions':>11} {'MB':>7} {'wall s':>7} {'cpu s':>7} "
          f"{'rev/s (wall)':>13} {'rev/s (cpu)':>12} {'peak RSS MB':>12}")
    for mode, comp, n, size, m in rows:
        print(f"{mode:<7} {comp:<6} {n:>11,} {size / 1e6:>7,.0f} {m['seconds']:>7.1f} "
              f"{m['cpu']:>7.1f} {n / m['seconds']:>13,.0f} {n / m['cpu']:>12,.0f} "
              f"{m['peak_mb']:>12,.0f}")


if __name__ == "__main__":
    main()
