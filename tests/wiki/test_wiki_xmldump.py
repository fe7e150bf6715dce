"""Offline MediaWiki XML dumps: what an investigator gets from `swarmscope ingest dump.xml.bz2`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
from lxml import etree

import swarmscope
from conftest import TEST_DATA, require_shared
from swarmscope import IngestError
from swarmscope.sources.registry import detect_format
from swarmscope.wiki.reverts import compute_reverts

WIKI_DATA = TEST_DATA / "wiki"


def extras(case: swarmscope.Case) -> dict[str, dict]:
    t = case.read()
    return {a: orjson.loads(e) for a, e in zip(t.column("action_id").to_pylist(),
                                               t.column("extra").to_pylist(), strict=True)}


COMPRESSIONS = {"plain": "article-pyrus.xml", "bz2": "article-pyrus.xml.bz2",
                "gz": "article-pyrus.xml.gz", "xz": "article-pyrus.xml.xz",
                "7z": "article-pyrus.xml.7z"}


def test_pyrus_history_in_every_compression(case):
    # One case for all five files: each is ingested as its own "wiki" (platform), so the
    # revert computation sees five separate copies of the history.
    for kind, name in COMPRESSIONS.items():
        path = require_shared("wikipedia", "xml", name)
        assert detect_format(path) == "mediawiki-xml"
        report = swarmscope.ingest(case, [path], platform=f"{kind}.example.org")
        assert report.added == 6, kind
    summary = compute_reverts(case, radius=15)
    t = case.read()
    for kind in COMPRESSIONS:
        rows = [r for r in t.to_pylist() if r["platform"] == f"{kind}.example.org"]
        assert len(rows) == 6 and len({r["account"] for r in rows}) == 5, kind
        assert {r["title"] for r in rows} == {"Pyrus"}
    assert summary.identity_reverts == 2 * len(COMPRESSIONS)
    revisions = case.read("wiki_revisions").to_pylist()
    for kind in COMPRESSIONS:
        assert sum(r["identity_revert"] for r in revisions
                   if r["platform"] == f"{kind}.example.org") == 2, kind


def test_english_wikipedia_dumps_are_platform_wikipedia(case):
    swarmscope.ingest(case, [require_shared("wikipedia", "xml", "article-pyrus.xml")])
    assert set(case.read().column("platform").to_pylist()) == {"wikipedia"}


def test_pyrus_identity_reverts_name_the_reverted_edits_and_editors(case):
    swarmscope.ingest(case, [require_shared("wikipedia", "xml", "article-pyrus.xml")])
    compute_reverts(case)
    rows = {r["revid"]: r for r in case.read("wiki_revisions").to_pylist()}
    assert rows[190346463]["identity_revert"]
    assert rows[190346463]["reverted_revids"] == [189729426]
    assert rows[190346463]["reverted_users"] == ["Jkokemueller"]
    assert rows[190346463]["reverted_to"] == 104997738
    assert rows[189729426]["was_reverted"]
    assert rows[189729426]["reverted_by"] == 190346463
    assert rows[189729426]["reverted_by_user"] == "IceCreamAntisocial"
    assert rows[238392911]["reverted_revids"] == [238138507]
    assert rows[238392911]["reverted_users"] == ["Cottonapple4"]
    # Schema 0.3 has no <sha1>: the checksum comes from the text, as MediaWiki computes it.
    assert rows[238392911]["sha1"] == hashlib.sha1(b"#REDIRECT [[Pear]]").hexdigest()
    # The page's positions follow timestamps; the first revision is not a revert of anything.
    assert [r["page_position"] for r in sorted(rows.values(), key=lambda r: r["ts"])] == \
        [1, 2, 3, 4, 5, 6]
    assert not rows[104997415]["is_revert"]


def _dump_revisions(path: Path) -> list[dict]:
    out = []
    for _ev, rev in etree.iterparse(str(path), tag="{*}revision"):
        text = rev.find("{*}text")
        out.append({"id": rev.findtext("{*}id"), "parent": rev.findtext("{*}parentid"),
                    "sha1": rev.findtext("{*}sha1"), "text": text.text or "",
                    "bytes": text.get("bytes"),
                    "title": rev.getparent().findtext("{*}title")})
    return out


@pytest.mark.parametrize("name", ["article-pear-0.10.xml", "pair-0.10.xml", "article-pear.xml"])
def test_other_schema_versions_ingest_completely(case, name):
    path = require_shared("wikipedia", "xml", name)
    expected = _dump_revisions(path)
    report = swarmscope.ingest(case, [path], format="mediawiki-xml")
    assert report.added == len(expected)
    ex = extras(case)
    titles = dict(zip(case.read().column("action_id").to_pylist(),
                      case.read().column("title").to_pylist(), strict=True))
    for rev in expected:
        got = ex[rev["id"]]
        # Base-36 <sha1> of the dump becomes hex, equal to the SHA-1 of the text.
        assert got["sha1"] == hashlib.sha1(rev["text"].encode()).hexdigest()
        if rev["sha1"]:
            assert int(got["sha1"], 16) == int(rev["sha1"], 36)
        assert got["size"] == (int(rev["bytes"]) if rev["bytes"] else len(rev["text"].encode()))
        assert titles[rev["id"]] == rev["title"]
        assert got["has_text"] is True


def test_namespaces_come_from_ns_or_from_the_title_prefix(case):
    swarmscope.ingest(case, [require_shared("wikipedia", "xml", "pair-0.10.xml")])
    t = case.read().to_pylist()
    ns = {r["title"]: orjson.loads(r["extra"])["ns"] for r in t}
    assert ns == {"Çullu, Agdam": 0, "Talk:Çullu, Agdam": 1}
    parents = {r["action_id"]: r["parent_id"] for r in t}
    assert parents["237383099"] == "237382899"
    assert parents["237382899"] is None


def test_cited_urls_of_full_history_revisions(case):
    swarmscope.ingest(case, [require_shared("wikipedia", "xml", "article-pear-0.10.xml")])
    row = case.read().to_pylist()[0]
    assert "http://usapears.com/Recipes%20And%20Lifestyle/Now%20Serving/" \
           "Pears%20and%20Varieties.aspx" in row["urls"]
    assert any(link.startswith("http://apps.rhs.org.uk/plantselector/plant?plantid=")
               for link in row["links"])


def test_hidden_fields_anonymous_editors_and_stub_revisions(case):
    swarmscope.ingest(case, [WIKI_DATA / "export-0.11-hidden.xml"])
    rows = {r["action_id"]: r for r in case.read().to_pylist()}
    assert {r["platform"] for r in rows.values()} == {"de.wikipedia.org"}
    created = rows["9001"]
    assert created["account"] == "Gründer" and created["account_id"] == "77"
    # Cited URLs from the text; a URL inside an HTML comment is not a citation.
    assert created["urls"] == ["https://www.stadt.example.de/chronik"]
    hidden = rows["9002"]
    assert hidden["account"] == "(hidden):9002" and hidden["account_id"] is None
    assert hidden["text"] is None
    hx = orjson.loads(hidden["extra"])
    assert hx["user_hidden"] and hx["comment_hidden"] and hx["text_hidden"]
    assert hx["sha1"] is None and hx["minor"] is True and "has_text" not in hx
    anon = rows["9003"]
    ax = orjson.loads(anon["extra"])
    assert anon["account"] == "2001:db8::1" and anon["account_id"] is None and ax["anon"]
    # A stub revision: size from <text bytes>, no text, so no URLs and no has_text.
    assert ax["size"] == 131 and "has_text" not in ax and anon["urls"] == []
    empty = orjson.loads(rows["9004"]["extra"])
    assert empty["has_text"] is True and empty["size"] == 0
    assert empty["sha1"] == hashlib.sha1(b"").hexdigest()
    assert rows["9004"]["text"] == ""


def test_platform_option_overrides_siteinfo(case):
    swarmscope.ingest(case, [WIKI_DATA / "export-0.11-hidden.xml"], platform="wikipedia")
    assert set(case.read().column("platform").to_pylist()) == {"wikipedia"}


BROKEN = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10">
  <page>
    <title>T</title>
    <ns>0</ns>
    <id>1</id>
    <revision>
      <id>11</id>
      <timestamp>2020-01-01T00:00:00Z</timestamp>
      <contributor><username>A</username><id>1</id></contributor>
    </revision>
    <revision>
      <id>12</id>
      <contributor><username>B</username><id>2</id></contributor>
    </revision>
  </page>
</mediawiki>
"""


def test_a_bad_revision_is_reported_with_file_line_and_field(case, tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text(BROKEN)
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="mediawiki-xml")
    msg = str(err.value)
    assert str(path) in msg and "line 11" in msg and "record 2" in msg
    assert "revision/timestamp" in msg
    assert case.count() == 0  # nothing committed
    report = swarmscope.ingest(case, [path], format="mediawiki-xml", on_error="skip")
    assert (report.added, report.rejected) == (1, 1)
    reject = orjson.loads((case.path / report.files[0].rejects_file).read_bytes())
    assert reject["record"] == 2 and reject["field"] == "revision/timestamp"


def test_a_truncated_dump_is_an_error_not_a_silent_partial_ingest(case, tmp_path):
    path = tmp_path / "cut.xml"
    path.write_text(BROKEN[: BROKEN.index("<revision>", 200)])
    with pytest.raises(IngestError, match="malformed XML"):
        swarmscope.ingest(case, [path], format="mediawiki-xml")
    assert case.count() == 0


def test_entities_are_not_expanded(case, tmp_path):
    path = tmp_path / "xxe.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    + BROKEN.replace("<username>A</username>", "<username>&x;</username>"))
    report = swarmscope.ingest(case, [path], format="mediawiki-xml", on_error="skip")
    assert "root:" not in str(case.read().column("account").to_pylist())
    assert report.rejected >= 1


# ------------------------------------------------------------------ the two parsing paths
UNUSUAL = """<?xml version="1.0" encoding="UTF-8"?>
<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10">
  <siteinfo><base>https://fr.wikipedia.org/wiki/Accueil</base></siteinfo>
  <page>
    <title>A &amp; B</title>
    <ns>0</ns>
    <id>3</id>
    <revision>
      <id>30</id>
      <timestamp>2020-01-01T00:00:00Z</timestamp>
      <!-- a comment MediaWiki never writes: this revision takes the lxml path -->
      <contributor><username>X &lt;y&gt;</username><id>4</id></contributor>
      <comment>caf&#233; &#x2603; "q"</comment>
      <text xml:space="preserve" bytes="30"><![CDATA[see http://cdata.example.org/ & more]]></text>
    </revision>
    <revision>
      <id>31</id>
      <parentid>30</parentid>
      <timestamp>2020-01-02T00:00:00Z</timestamp>
      <contributor><username>Z</username><id>5</id></contributor>
      <comment>line one\r\nline two</comment>
      <text bytes="12" xml:space="preserve">x\r\nhttps://crlf.example.org/p</text>
    </revision>
    <revision>
      <id>32</id>
      <parentid>31</parentid>
      <timestamp>2020-01-03T00:00:00Z</timestamp>
      <contributor><ip>192.0.2.44</ip></contributor>
      <comment/>
      <text id="99" bytes="5" />
    </revision>
  </page>
</mediawiki>
"""


def _rows_of(path: Path, fast: bool, monkeypatch) -> list[dict]:
    from swarmscope.sources.base import ReadContext, SourceOptions
    from swarmscope.wiki import xmldump

    monkeypatch.setattr(xmldump, "_fast_path_possible",
                        (lambda head: True) if fast else (lambda head: False))
    ctx = ReadContext(path, str(path), SourceOptions(), on_error="skip")
    rows = [r for b in xmldump.MediaWikiXmlSource().read(ctx) for r in b.to_pylist()]
    # Batches may group rows differently; the record number is each row's place in the file.
    rows.sort(key=lambda r: r["record"])
    return rows + [{"reject": (r.record, r.field, r.reason)} for r in ctx.rejects]


def _generated_stub(tmp_path: Path) -> Path:
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("wiki_dump", ROOT / "benchmarks" / "wiki_dump.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path / "stub.xml"
    bench.generate(path, 3000)
    return path


def test_fast_and_lxml_paths_read_the_same(tmp_path, monkeypatch):
    unusual = tmp_path / "unusual.xml"
    unusual.write_bytes(UNUSUAL.replace("\\r\\n", "\r\n").encode())
    paths = [require_shared("wikipedia", "xml", n) for n in
             ("article-pyrus.xml.bz2", "article-pear.xml", "article-pear-0.10.xml",
              "pair-0.10.xml")]
    paths += [WIKI_DATA / "export-0.11-hidden.xml", unusual, _generated_stub(tmp_path),
              tmp_path / "broken.xml"]
    paths[-1].write_text(BROKEN)
    for path in paths:
        fast, slow = _rows_of(path, True, monkeypatch), _rows_of(path, False, monkeypatch)
        assert fast == slow, path.name
        assert fast, path.name
    rows = {r["action_id"]: r for r in _rows_of(unusual, True, monkeypatch)}
    assert rows["30"]["title"] == "A & B" and rows["30"]["account"] == "X <y>"
    assert rows["30"]["text"] == 'café ☃ "q"'
    assert rows["30"]["urls"] == ["http://cdata.example.org/"]
    assert rows["31"]["text"] == "line one\nline two"
    assert orjson.loads(rows["31"]["extra"])["sha1"] == \
        hashlib.sha1(b"x\nhttps://crlf.example.org/p").hexdigest()
    assert rows["32"]["text"] == "" and rows["32"]["platform"] == "fr.wikipedia.org"


def test_an_undeclared_entity_is_malformed_xml(case, tmp_path):
    path = tmp_path / "entity.xml"
    path.write_text(BROKEN.replace("<username>A</username>", "<username>A&nbsp;</username>"))
    with pytest.raises(IngestError, match="malformed XML"):
        swarmscope.ingest(case, [path], format="mediawiki-xml")


EDGES = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">
  <page>
    <title>E</title>
    <ns>0</ns>
    <id>7</id>
    <revision>
      <id>70</id>
      <parentid>00</parentid>
      <timestamp>2020-01-01T00:00:00Z</timestamp>
      <contributor><username>B &amp; b &lt;x&gt;</username><id>00</id></contributor>
      <comment>&amp;lt; &quot;q&quot; caf\u00e9</comment>
      <text bytes="007" id="70" />
      <sha1>twj4yidkw7a8pn4g709kzmfoaol3x8f</sha1>
    </revision>
    <revision>
      <id>71</id>
      <parentid>0</parentid>
      <timestamp>2020-01-02T00:00:00Z</timestamp>
      <contributor><username>\u00a0</username><id>3</id></contributor>
      <text bytes="1" id="71" />
    </revision>
    <revision>
      <id>72</id>
      <timestamp>2020-01-03T00:00:00Z</timestamp>
      <contributor><ip>\u3000</ip></contributor>
    </revision>
    <revision>
      <id>73</id>
      <timestamp>2020-01-04T00:00:00Z</timestamp>
      <contributor><username>C</username><id>0</id></contributor>
      <comment></comment>
      <text xdeleted="x" bytes="4" />
      <sha1 />
    </revision>
    <revision>
      <id>74</id>
      <timestamp>2020-01-05T00:00:00Z</timestamp>
      <contributor deleted="deleted" />
      <comment deleted="deleted" />
      <text foo="x id=" bytes="0" />
      <sha1>PHOIAC9H4M842XQ45SP7S6U21ETEEQ1</sha1>
    </revision>
    <revision>
      <id>75</id>
      <parentid>05</parentid>
      <timestamp>2020-01-06T00:00:00Z</timestamp>
      <contributor><ip>198.51.100.7</ip></contributor>
      <minor />
      <comment />
      <text bytes="000" deleted="deleted" />
      <sha1>abc</sha1>
    </revision>
    <revision>
      <id>76</id>
      <timestamp>2020-01-07T00:00:00Z</timestamp>
      <contributor><username>D</username></contributor>
      <sha1>twj4yidkw7a8pn4g709kzmfoaol3x8g</sha1>
    </revision>
  </page>
</mediawiki>
"""


def test_fast_and_lxml_paths_agree_on_edge_cases(tmp_path, monkeypatch):
    from swarmscope.wiki import xmldump

    monkeypatch.setattr(xmldump, "_CHUNK_ROWS", 2)  # batches assembled from several chunks
    path = tmp_path / "edges.xml"
    path.write_text(EDGES, encoding="utf-8")
    fast, slow = _rows_of(path, True, monkeypatch), _rows_of(path, False, monkeypatch)
    assert fast == slow
    rows = {r["action_id"]: r for r in fast if "action_id" in r}
    # Entities in names and comments; ids and parents given as "00"/"05" are kept as given.
    assert rows["70"]["account"] == "B & b <x>" and rows["70"]["account_id"] == "00"
    assert rows["70"]["text"] == '&lt; "q" café' and rows["70"]["parent_id"] == "00"
    x70 = orjson.loads(rows["70"]["extra"])
    assert x70["size"] == 7 and x70["sha1"] == f"{2**160 - 1:040x}" and "new" not in x70
    # A user name of white space only (str.strip) is missing, also beyond ASCII.
    assert {r["reject"][:2] for r in fast if "reject" in r} == {
        (2, "revision/contributor"), (3, "revision/contributor"), (7, "revision/sha1")}
    # Only an attribute named "deleted" hides the text; ' id="' inside a value is no stub id.
    x73 = orjson.loads(rows["73"]["extra"])
    assert rows["73"]["text"] == "" and rows["73"]["account_id"] is None
    assert x73["size"] == 4 and x73["sha1"] is None
    assert "text_hidden" not in x73 and "has_text" not in x73
    x74 = orjson.loads(rows["74"]["extra"])
    assert rows["74"]["account"] == "(hidden):74" and rows["74"]["text"] is None
    assert x74["has_text"] is True and x74["size"] == 0 and x74["user_hidden"]
    # (an upper-case base-36 checksum, that of the empty text)
    assert x74["comment_hidden"] and x74["sha1"] == hashlib.sha1(b"").hexdigest()
    x75 = orjson.loads(rows["75"]["extra"])
    assert rows["75"]["text"] == "" and rows["75"]["parent_id"] == "05" and x75["anon"]
    assert x75["minor"] and x75["text_hidden"] and x75["size"] is None
    assert x75["sha1"] == f"{int('abc', 36):040x}"


def test_text_that_is_not_utf8_is_malformed_xml(case, tmp_path):
    path = tmp_path / "latin1.xml"
    path.write_bytes(BROKEN.replace("<username>A</username>", "<username>caf\xe9</username>")
                     .encode("latin-1"))
    with pytest.raises(IngestError, match="malformed XML: not UTF-8"):
        swarmscope.ingest(case, [path], format="mediawiki-xml")
