"""Cited URLs in wikitext, as a reader of the rendered article would see the links."""

from __future__ import annotations

import glob

import mwparserfromhell
import orjson
from lxml import etree

from conftest import require_shared
from swarmscope.wiki.citations import cited_domains, cited_urls


def test_references_cite_templates_bare_and_bracketed_links():
    text = (
        "The pear<ref>{{cite web |url=https://www.usapears.org/varieties |title=Varieties"
        " |archive-url=https://web.archive.org/web/2015/https://www.usapears.org/varieties}}"
        "</ref> is a fruit.<ref name=a>Smith 2001, http://books.example.com/smith.</ref>\n"
        "* [http://example.org/list Pear list], and [//commons.example.org/x]\n"
        "{{Cite book|chapter-url=https://chapters.example.net/c?id=3&x=1|title=T}}\n"
    )
    assert cited_urls(text) == [
        "https://www.usapears.org/varieties",
        "https://web.archive.org/web/2015/https://www.usapears.org/varieties",
        "http://books.example.com/smith",
        "http://example.org/list",
        "//commons.example.org/x",
        "https://chapters.example.net/c?id=3&x=1",
    ]


def test_what_is_not_rendered_is_not_cited():
    text = ("<!-- old source: http://removed.example.com/a -->"
            "<nowiki>http://literal.example.com</nowiki> xhttp://glued.example.com ok")
    assert cited_urls(text) == []
    # After a non-word character a URL is a link again, as MediaWiki renders it.
    assert cited_urls("word:http://x.example.com") == ["http://x.example.com"]


def test_trailing_punctuation_and_markup_end_a_free_link():
    text = ("See http://a.example.com/x. Also (http://b.example.com/y), "
            "http://c.example.com/wiki/Foo_(bar) and ''http://d.example.com/z''.")
    assert cited_urls(text) == ["http://a.example.com/x", "http://b.example.com/y",
                                "http://c.example.com/wiki/Foo_(bar)", "http://d.example.com/z"]


def test_each_url_once_in_order_and_domains_normalised():
    urls = cited_urls("http://www.Example.com/a http://b.org/ http://www.Example.com/a")
    assert urls == ["http://www.Example.com/a", "http://b.org/"]
    assert cited_domains(urls + ["//WWW.b.org/x", "not a url"]) == ["example.com", "b.org"]
    assert cited_urls(None) == [] and cited_urls("no links") == []


def _real_texts() -> list[str]:
    texts = []
    for f in sorted(glob.glob(str(require_shared("wikipedia", "revision_diffs") / "*.json"))):
        for page in orjson.loads(open(f, "rb").read())["pages"].values():
            texts += [r["*"] for r in page["revisions"]]
    for f in sorted(glob.glob(str(require_shared("wikipedia", "xml") / "*.xml"))):
        for _ev, t in etree.iterparse(f, tag="{*}text"):
            if t.text:
                texts.append(t.text)
    return texts


def test_agrees_with_mwparserfromhell_on_real_articles():
    texts = _real_texts()
    total = 0
    for text in texts:
        ours = set(cited_urls(text))
        found = [str(link.url) for link in mwparserfromhell.parse(text).filter_external_links()]
        # A template inside a URL ({{subst:...}}) is expanded by MediaWiki; we stop before it.
        with_template = [u for u in found if "{{" in u]
        assert ours - {u for u in ours if any(t.startswith(u) for t in with_template)} == \
            set(found) - set(with_template)
        total += len(ours)
    assert total > 100  # the sample really exercises the parser
