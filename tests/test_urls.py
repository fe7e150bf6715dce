"""URL normalisation: shares of the same page map to one object; empty strings are never URLs."""

import pytest

from swarmscope.urls import domain_of, normalize_url


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
