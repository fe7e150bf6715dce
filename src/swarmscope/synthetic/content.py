"""What synthetic posts say: texts, hashtags, URLs and mentions, built for many rows at once.

Texts are sequences of Zipf-distributed words (:mod:`.vocabulary`) joined with Arrow compute
kernels, with some capitalised, some ending in punctuation, some with an emoji, and a share
replaced by very common short texts. Hashtags are Zipf over a tag list and are also written
into the text (``... #tag``), as on real platforms. URLs are Zipf over domains and, per domain,
over paths; some carry ``utm_*`` tracking parameters, some a ``www.`` prefix, some ``http``, and
a few URL lists hold an empty string (exports have those; ingest drops them), so URL
normalisation matters for link-based detection.

Words listed in ``excluded`` (the reply swarm's trigger term) are never drawn, so the only
texts holding them are the ones an operation plants.

Example::

    >>> import numpy as np
    >>> from swarmscope.synthetic.vocabulary import Vocabulary
    >>> rng = np.random.default_rng(0)
    >>> maker = TextMaker(Vocabulary.build(rng))
    >>> texts = maker.sentences(rng, 3)
    >>> len(texts), texts.type
    (3, DataType(string))
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .rows import concat_lists, empty_lists, lists_from, singleton_lists
from .vocabulary import COMMON_TEXTS, EMOJI, Vocabulary, ZipfSampler

_UTM_SOURCES = ("twitter", "facebook", "newsletter", "synthnet", "share")
_UTM_MEDIUM = ("social", "social", "email", "referral")


def _choice(rng: np.random.Generator, items: tuple[str, ...] | list[str], n: int) -> pa.Array:
    return pa.array(list(items), pa.string()).take(pa.array(rng.integers(0, len(items), n)))


def join_nonempty(a: pa.Array, b: pa.Array, sep: str = " ") -> pa.Array:
    """``a + sep + b`` where ``b`` is non-empty, else ``a`` (nulls in ``b`` count as empty)."""
    b = pc.fill_null(b, "")
    joined = pc.binary_join_element_wise(a, b, sep)
    return pc.if_else(pc.greater(pc.binary_length(b), 0), joined, a)


class TextMaker:
    """Builds content columns for ``n`` rows at a time (see the module docstring)."""

    def __init__(self, vocab: Vocabulary, excluded: tuple[int, ...] = (),
                 word_exponent: float = 1.07) -> None:
        self.vocab = vocab
        self.words = pa.array(vocab.words, pa.string())
        self.word_zipf = ZipfSampler(len(vocab.words), word_exponent)
        self.excluded = np.asarray(sorted(excluded), dtype=np.int64)
        self.tags = pa.array(vocab.hashtags, pa.string())
        self.tag_zipf = ZipfSampler(len(vocab.hashtags), 1.15)
        self.domains = pa.array(vocab.domains, pa.string())
        self.domain_zipf = ZipfSampler(len(vocab.domains), 1.2)
        self.path_zipf = ZipfSampler(400, 1.05)
        pw = vocab.path_words
        prng = np.random.default_rng(len(pw))  # paths are a fixed function of the vocabulary
        a, b, c = (prng.integers(0, len(pw), 4_000) for _ in range(3))
        self.paths = pa.array([f"/{pw[i]}/{pw[j]}-{pw[k]}" for i, j, k in zip(a, b, c, strict=True)])

    # -- words and sentences ------------------------------------------------------------------

    def word_indices(self, rng: np.random.Generator, n: int) -> np.ndarray:
        idx = self.word_zipf.sample(rng, n)
        if len(self.excluded):
            bad = np.isin(idx, self.excluded)
            while bad.any():
                idx[bad] = (idx[bad] + 1 + rng.integers(0, 50, int(bad.sum()))) % len(self.words)
                bad = np.isin(idx, self.excluded)
        return idx

    def sentences(self, rng: np.random.Generator, n: int, min_words: int = 3,
                  mean_extra: float = 7.0, capitalize: float = 0.35, emoji: float = 0.10,
                  common: float = 0.0) -> pa.Array:
        """``n`` texts of ``min_words + Poisson(mean_extra)`` words."""
        if n == 0:
            return pa.array([], pa.string())
        lens = min_words + rng.poisson(mean_extra, n)
        flat = self.word_indices(rng, int(lens.sum()))
        texts = pc.binary_join(lists_from(lens, self.words.take(pa.array(flat))), " ")
        cap = rng.random(n) < capitalize
        texts = pc.if_else(pa.array(cap), pc.utf8_capitalize(texts), texts)
        punct = _choice(rng, ("", "", "", ".", ".", "!", "?", "!!", "..."), n)
        texts = pc.binary_join_element_wise(texts, punct, "")
        emo = pc.if_else(pa.array(rng.random(n) < emoji), _choice(rng, EMOJI, n), pa.scalar(""))
        texts = join_nonempty(texts, emo)
        if common > 0:
            texts = pc.if_else(pa.array(rng.random(n) < common),
                               _choice(rng, COMMON_TEXTS, n), texts)
        return texts

    def phrase(self, rng: np.random.Generator, n_words: int) -> str:
        """One fixed sentence (an operation's message), as a Python string."""
        idx = self.word_indices(rng, n_words)
        return " ".join(self.vocab.words[i] for i in idx)

    # -- hashtags, URLs, mentions -------------------------------------------------------------

    def hashtag_lists(self, rng: np.random.Generator, n: int, rate: float) -> pa.Array:
        counts = np.where(rng.random(n) < rate, 1 + rng.binomial(2, 0.25, n), 0)
        flat = self.tag_zipf.sample(rng, int(counts.sum()))
        return lists_from(counts, self.tags.take(pa.array(flat)))

    def urls(self, rng: np.random.Generator, n: int, domains: np.ndarray | None = None,
             tracking: float = 0.15, www: float = 0.3, http: float = 0.08) -> pa.Array:
        """``n`` URL strings; ``domains`` (indices into the vocabulary's domains) or Zipf."""
        dom = self.domain_zipf.sample(rng, n) if domains is None else np.asarray(domains)
        path = (dom * 131 + self.path_zipf.sample(rng, n) * 7) % len(self.paths)
        scheme = pc.if_else(pa.array(rng.random(n) < http), pa.scalar("http://"),
                            pa.scalar("https://"))
        wwwp = pc.if_else(pa.array(rng.random(n) < www), pa.scalar("www."), pa.scalar(""))
        utm = pc.binary_join_element_wise(
            pa.scalar("?utm_source="), _choice(rng, _UTM_SOURCES, n), pa.scalar("&utm_medium="),
            _choice(rng, _UTM_MEDIUM, n), "")
        query = pc.if_else(pa.array(rng.random(n) < tracking), utm, pa.scalar(""))
        return pc.binary_join_element_wise(scheme, wwwp, self.domains.take(pa.array(dom)),
                                           self.paths.take(pa.array(path)), query, "")

    def url_lists(self, rng: np.random.Generator, n: int, rate: float,
                  empty_rate: float = 0.015) -> pa.Array:
        has = rng.random(n) < rate
        counts = has.astype(np.int32) + (has & (rng.random(n) < 0.08))
        values = self.urls(rng, int(counts.sum()))
        lists = lists_from(counts, values)
        # Some exports carry an empty URL string; ingest must drop it, never link on it.
        blank = rng.random(n) < empty_rate
        if blank.any():
            lists = concat_lists(lists, singleton_lists(pa.array([""] * n), blank))
        return lists

    def mention_lists(self, rng: np.random.Generator, n: int, rate: float, names: pa.Array,
                      candidates: np.ndarray, weights: np.ndarray) -> pa.Array:
        """Mentions of accounts drawn from ``candidates`` with probability ~ ``weights``."""
        if n == 0 or len(candidates) == 0:
            return empty_lists(n)
        counts = np.where(rng.random(n) < rate, 1 + (rng.random(n) < 0.2), 0)
        cdf = np.cumsum(weights, dtype=float)
        pick = np.searchsorted(cdf, rng.random(int(counts.sum())) * cdf[-1], side="right")
        return lists_from(counts, names.take(pa.array(candidates[pick])))


def with_tags_and_mentions(texts: pa.Array, hashtags: pa.Array, mentions: pa.Array) -> pa.Array:
    """Write list columns into the text as platforms do: ``@a @b text #x #y``."""
    tag_str = _prefixed_join(hashtags, "#")
    men_str = _prefixed_join(mentions, "@")
    return join_nonempty(_prepend(men_str, texts), tag_str)


def _prefixed_join(lists: pa.Array, prefix: str) -> pa.Array:
    flat = pc.list_flatten(lists)
    pre = pc.binary_join_element_wise(pa.scalar(prefix), flat, "")
    lens = pc.list_value_length(lists).fill_null(0).to_numpy(zero_copy_only=False)
    return pc.binary_join(lists_from(lens, pre), " ")


def _prepend(prefix: pa.Array, texts: pa.Array) -> pa.Array:
    prefix = pc.fill_null(prefix, "")
    joined = pc.binary_join_element_wise(prefix, texts, " ")
    return pc.if_else(pc.greater(pc.binary_length(prefix), 0), joined, texts)
