"""Plain text and links of the HTML in a fediverse status's ``content``.

Mastodon's API gives a status's text as sanitised HTML (https://docs.joinmastodon.org/spec/microformats/
and https://docs.joinmastodon.org/entities/Status/#content): ``<p>`` paragraphs, ``<br>`` line
breaks, ``<a>`` links, where mentions carry ``class="u-url mention"`` and hashtags
``class="mention hashtag" rel="tag"``, and long link texts are split into
``<span class="invisible">`` / ``<span class="ellipsis">`` parts. Remote servers may send more
(``<blockquote>``, lists, ``<pre>``). :func:`html_to_text` parses it with a real HTML parser
(lxml), never with regular expressions, and returns:

- the text: tags removed, character references decoded (``&amp;`` -> ``&``, ``&#x1F600;`` -> the
  emoji), ``<br>`` -> ``\\n``, paragraphs and other blocks separated by a blank line, the hidden
  parts of shortened links kept (the text shows the whole URL), the contents of ``<script>`` and
  ``<style>`` dropped; text nodes are otherwise kept as they are;
- the links: ``href`` of each ``<a>`` that is not a mention or hashtag link, in order, without
  duplicates.

Example::

    >>> html_to_text('<p>Vote &amp; share<br>now <a href="https://ex.org/a" rel="nofollow">'
    ...              '<span class="invisible">https://</span>ex.org/a</a></p><p>'
    ...              '<a href="https://m.social/tags/x" class="mention hashtag" rel="tag">#x</a></p>')
    ('Vote & share\\nnow https://ex.org/a\\n\\n#x', ['https://ex.org/a'])
"""

from __future__ import annotations

import re

import lxml.etree

_BLOCKS = frozenset({"p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4",
                     "h5", "h6", "table", "tr"})
_NO_TEXT = frozenset({"script", "style", "template"})


class ContentTooDeep(ValueError):
    """The HTML nests deeper than the parser's limit (2048 elements): its text cannot be read
    completely, and a partial text would be a silent loss."""


# Control characters other than tab and line breaks are not allowed in HTML and make libxml2
# refuse the whole string; they carry no text.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# One parser for the process (ingest reads a file in one thread); its error log is per parse.
_PARSER = lxml.etree.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True,
                                no_network=True, encoding="utf-8", collect_ids=False,
                                default_doctype=False)
_MARK = "\ue000"


def html_to_text(content: str) -> tuple[str, list[str]]:
    """Plain text and the non-mention, non-hashtag link targets of an HTML fragment.

    Raises :class:`ContentTooDeep` for markup nested beyond the parser's limit.
    """
    if "<" not in content and "&" not in content:
        return content, []
    if _CONTROLS.search(content):
        content = _CONTROLS.sub("", content)
    # UTF-8 bytes with the encoding given: libxml2 then skips its own encoding detection.
    doc = lxml.etree.HTML(content.encode("utf-8", "surrogatepass"), _PARSER)
    if any("depth" in e.message for e in _PARSER.error_log):
        raise ContentTooDeep("HTML content nests deeper than 2048 elements")
    root = doc.find("body") if doc is not None else None
    if root is None:
        return "", []
    # Work on the parsed tree, then let lxml join the text in C: a Python walk over every
    # node costs twice the parse. A private-use character absent from the content marks
    # block boundaries.
    mark = _MARK if _MARK not in content else next(
        chr(c) for c in range(0xE001, 0xF900) if chr(c) not in content)
    lxml.etree.strip_elements(root, *_NO_TEXT, with_tail=False)
    if "quote-inline" in content:
        for el in list(root.iter()):
            if "quote-inline" in (el.get("class") or "").split() and el.getparent() is not None:
                _drop_keep_tail(el)
    for el in root.iter("br", *_BLOCKS):
        if el.tag == "br":
            el.tail = "\n" + (el.tail or "")
        else:
            el.text = mark + (el.text or "")
            el.tail = mark + (el.tail or "")
    links: list[str] = []
    for a in root.iter("a"):
        href = a.get("href")
        if href and href not in links and not _is_tag_or_mention(a):
            links.append(href)
    text = lxml.etree.tostring(root, method="text", encoding="unicode", with_tail=False)
    if mark in text:
        # Blocks are separated by one blank line; white space at a block's edges is layout.
        text = "\n\n".join(
            piece for piece in (p.strip(" \t\r\n") for p in text.split(mark)) if piece)
    return text, links


def _drop_keep_tail(el: lxml.etree._Element) -> None:
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _is_tag_or_mention(a: lxml.etree._Element) -> bool:
    classes = (a.get("class") or "").split()
    return "mention" in classes or "hashtag" in classes or "tag" in (a.get("rel") or "").split()
