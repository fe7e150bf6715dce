"""URL normalisation: shares of the same page map to one object; empty strings are never URLs."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmscope.urls import _SIMPLE_RE, _general, domain_of, normalize_url


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("https://www.example.com/a", "https://example.com/a"),
        ("HTTPS://WWW.EXAMPLE.COM/a", "https://example.com/a"),
        ("https://example.com/a#section-2", "https://example.com/a"),
        ("https://example.com/a?utm_source=tw&utm_medium=social", "https://example.com/a"),
        ("https://example.com/a?id=3&fbclid=XYZ&gclid=1", "https://example.com/a?id=3"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/", "http://example.com"),
        ("http://example.com:8080/x", "http://example.com:8080/x"),
        ("https://example.com/", "https://example.com"),
        ("example.com/page", "http://example.com/page"),
        ("//cdn.example.com/x", "http://cdn.example.com/x"),
        ("https://example.com/Path/Case", "https://example.com/Path/Case"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?b=2&a=1"),
    ],
)
def test_normalisation(raw, expected):
    assert normalize_url(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", None, "not a url", "http://", "https://[::1", "mailto"])
def test_empty_and_malformed_urls_are_not_urls(raw):
    assert normalize_url(raw) is None


def test_domain():
    assert domain_of("https://www.News.Example.co.uk/x?utm_campaign=1") == "news.example.co.uk"
    assert domain_of("") is None


_PIECES = ["http://", "https://", "HTTPS://", "ftp://", "//", "www.", "WWW.", "Ex", "a", "-", ".",
           "..", "com", ":443", ":80", ":x", "@", "[", "/", "//", "?", "??", "#", "&", "&&", "=",
           "==", "utm_source", "UTM_x", "fbclid", "si", "k", "v", "%20", "%zz", "+", " ", "~", "_",
           ";", "'", '"', "é", "\t", "\x01", "!", "$"]


@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join))
@settings(max_examples=3000, deadline=None)
def test_simple_urls_normalise_as_the_general_path(raw):
    # _simple skips urllib for the common shape of a link; it must give the same result.
    stripped = raw.strip()
    assert normalize_url(raw) == (_general(stripped) if stripped else None)


@pytest.mark.parametrize("raw", [
    "https://Example-News.com/12?utm_source=tw", "http://a.com./x?=v&k=&K=1#f?g",
    "https://www./", "https://a.b/c?", "https://a.b?x=1&SI=2&pk_y=3", "https://a.b//x;p?q=1",
])
def test_simple_shapes(raw):
    assert _SIMPLE_RE.fullmatch(raw)
    assert normalize_url(raw) == _general(raw)
