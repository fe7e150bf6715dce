"""Benchmark: extracting cited URLs from wikitext (``swarmscope.wiki.citations``).

Compares :func:`swarmscope.wiki.citations.cited_urls` (regular expressions following
MediaWiki's external-link rules) with a full parse by mwparserfromhell
(``filter_external_links``) on the real revision texts in ``../shared/data/wikipedia``
(``revision_diffs/`` and the XML samples), repeated to get stable timings. Prints throughput in
MB of wikitext per second (one core) and how many texts give the same URL set.

Run::

    PYTHONPATH=src python benchmarks/wiki_citations.py
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import time
from pathlib import Path

import mwparserfromhell
from lxml import etree

from swarmscope.wiki.citations import cited_urls

SHARED = Path(os.environ.get("SWARMSCOPE_SHARED_DATA",
                             Path(__file__).resolve().parents[2] / "shared" / "data"))


def texts() -> list[str]:
    out = []
    for f in sorted(glob.glob(str(SHARED / "wikipedia" / "revision_diffs" / "*.json"))):
        for page in json.loads(Path(f).read_text())["pages"].values():
            out += [r["*"] for r in page["revisions"]]
    for f in sorted(glob.glob(str(SHARED / "wikipedia" / "xml" / "*.xml"))):
        for _ev, t in etree.iterparse(f, tag="{*}text"):
            if t.text:
                out.append(t.text)
    return out


def mwp_urls(text: str) -> list[str]:
    return list(dict.fromkeys(str(link.url)
                              for link in mwparserfromhell.parse(text).filter_external_links()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sample = texts()
    if not sample:
        raise SystemExit(f"no sample texts under {SHARED}/wikipedia")
    size = sum(len(t.encode()) for t in sample)
    same = sum(set(cited_urls(t)) == set(mwp_urls(t)) for t in sample)
    urls = sum(len(cited_urls(t)) for t in sample)
    print(f"{len(sample)} real revision texts, {size / 1e6:.2f} MB, {urls} URLs; "
          f"same URL set as mwparserfromhell for {same}/{len(sample)} texts")
    print(f"{'parser':<20} {'MB/s':>8} {'texts/s':>9}")
    results = {}
    for name, fn in (("regex (swarmscope)", cited_urls), ("mwparserfromhell", mwp_urls)):
        start = time.process_time()
        for _ in range(args.repeat):
            for t in sample:
                fn(t)
        seconds = time.process_time() - start
        results[name] = seconds
        print(f"{name:<20} {size * args.repeat / seconds / 1e6:>8.1f} "
              f"{len(sample) * args.repeat / seconds:>9,.0f}")
    print(f"speed-up: {results['mwparserfromhell'] / results['regex (swarmscope)']:.1f}x")


if __name__ == "__main__":
    main()
