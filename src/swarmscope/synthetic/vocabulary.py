"""Words, names, hashtags and web domains for synthetic data, and Zipf sampling over them.

Everything is generated from the seed: pronounceable pseudo-words built from syllables (so no
fixed string, such as the reply swarm's trigger term, can be known in advance), a short list
of English function and filler words at the top of the frequency ranking (people write them
all the time; persona styles are about *how often*), and very common short texts that many
people post organically ("so true").

Word frequencies follow Zipf's law, p(rank k) ~ 1 / (k + q)^s (Zipf-Mandelbrot; Piantadosi 2014,
"Zipf's word frequency law in natural language", Psychon. Bull. Rev. 21). :class:`ZipfSampler`
draws many ranks at once.

Example::

    >>> import numpy as np
    >>> v = Vocabulary.build(np.random.default_rng(3))
    >>> len(set(v.words)) == len(v.words)
    True
    >>> ranks = ZipfSampler(100, 1.1).sample(np.random.default_rng(0), 10_000)
    >>> bool((ranks == 0).sum() > 10 * (ranks == 50).sum())
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "tr",
           "st", "ch", "sh", "th", "pl", "gr", "kr", "h", "j", "w", "y", "sl", "dr", "fl")
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ea", "ou", "io", "ee")
_CODAS = ("", "", "", "", "n", "r", "s", "l", "m", "t", "k", "sh", "nd", "x")

#: Function and filler words at the top of the word ranking.
FUNCTION_WORDS = (
    "the", "a", "to", "and", "is", "of", "in", "it", "this", "that", "i", "you", "for", "on",
    "so", "just", "not", "we", "they", "with", "be", "are", "but", "what", "my", "all", "was",
    "like", "if", "no", "do", "have", "about", "now", "people", "can", "really", "one", "get",
    "more", "still", "why", "how", "who", "when", "then", "our", "their", "actually", "honestly",
    "basically", "literally", "anyway", "well", "maybe", "ok", "lol", "yes", "never", "again",
)

#: Short texts many people post organically (a naive "identical text" detector links them all).
COMMON_TEXTS = (
    "so true", "this", "this.", "lol", "exactly", "same", "wow", "agreed", "100%", "thank you!",
    "yes", "love this", "omg", "facts", "so true!", "good morning", "congrats!", "happy friday",
    "\U0001f602\U0001f602\U0001f602", "\U0001f525\U0001f525",
)

EMOJI = ("\U0001f602", "\U0001f525", "\u2764\ufe0f", "\U0001f44d", "\U0001f64f", "\U0001f62d",
         "\U0001f440", "\U0001f4af", "\u2728", "\U0001f914", "\U0001f642", "\U0001f621")

_TLDS = (".com", ".com", ".com", ".net", ".org", ".news", ".info", ".co.uk", ".de", ".io", ".tv")


def _pseudo_words(rng: np.random.Generator, n: int, min_syl: int, max_syl: int,
                  exclude: set[str]) -> list[str]:
    out: list[str] = []
    seen = set(exclude)
    while len(out) < n:
        k = (n - len(out)) * 2
        syl = rng.integers(min_syl, max_syl + 1, size=k)
        on = rng.integers(0, len(_ONSETS), size=(k, max_syl))
        vo = rng.integers(0, len(_VOWELS), size=(k, max_syl))
        co = rng.integers(0, len(_CODAS), size=(k, max_syl))
        for i in range(k):
            w = "".join(_ONSETS[on[i, j]] + _VOWELS[vo[i, j]] + _CODAS[co[i, j]]
                        for j in range(syl[i]))
            if w not in seen and len(w) >= 3:
                seen.add(w)
                out.append(w)
                if len(out) == n:
                    break
    return out


class ZipfSampler:
    """Draws ranks ``0..n-1`` with p(k) proportional to ``1 / (k + q) ** s``."""

    def __init__(self, n: int, s: float = 1.0, q: float = 2.7) -> None:
        w = 1.0 / (np.arange(n) + q) ** s
        self.cdf = np.cumsum(w / w.sum())
        self.cdf[-1] = 1.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.searchsorted(self.cdf, rng.random(size), side="right").astype(np.int64)


@dataclass
class Vocabulary:
    """The generated word list (frequency rank order), hashtags and domains of one scenario."""

    words: list[str]
    hashtags: list[str]
    domains: list[str]
    path_words: list[str]

    @classmethod
    def build(cls, rng: np.random.Generator, n_words: int = 6_000, n_hashtags: int = 1_500,
              n_domains: int = 400) -> Vocabulary:
        fw = list(FUNCTION_WORDS)
        pseudo = _pseudo_words(rng, n_words - len(fw), 1, 3, set(fw))
        # Function words take the top ranks but not in a fixed order with the first pseudo-words.
        words = fw[:12] + pseudo[:40] + fw[12:] + pseudo[40:]
        taken = set(words)
        tag_roots = _pseudo_words(rng, n_hashtags, 2, 3, taken)
        tags = []
        for i, t in enumerate(tag_roots):
            style = i % 4
            tags.append(t.capitalize() if style == 1 else
                        (t + str(2020 + i % 6)) if style == 2 else t)
        taken.update(tag_roots)
        dom_roots = _pseudo_words(rng, n_domains, 2, 3, taken)
        tld = rng.integers(0, len(_TLDS), size=n_domains)
        domains = [d + _TLDS[t] for d, t in zip(dom_roots, tld, strict=True)]
        path_words = _pseudo_words(rng, 800, 1, 2, set())
        return cls(words, tags, domains, path_words)

    def handles(self, rng: np.random.Generator, n: int) -> list[str]:
        """``n`` unique social-media handles (lower case letters, digits, underscore)."""
        return self._names(rng, n, wiki=False)

    def wiki_user_names(self, rng: np.random.Generator, n: int, taken: set[str] | None = None
                        ) -> list[str]:
        """``n`` unique Wikipedia user names ("Kalora Venti", "Mirtel42", "Trevi-manso")."""
        return self._names(rng, n, wiki=True, taken=taken)

    def _names(self, rng: np.random.Generator, n: int, wiki: bool,
               taken: set[str] | None = None) -> list[str]:
        roots = _pseudo_words(rng, max(200, n // 3 + 50), 1, 3, set())
        seen: set[str] = set(taken or ()) | set(self.words)
        out: list[str] = []
        while len(out) < n:
            k = (n - len(out)) * 2 + 16
            a = rng.integers(0, len(roots), size=k)
            b = rng.integers(0, len(roots), size=k)
            style = rng.integers(0, 6, size=k)
            num = rng.integers(1, 9_999, size=k)
            for i in range(k):
                r1, r2, s = roots[a[i]], roots[b[i]], style[i]
                if wiki:
                    name = (f"{r1.capitalize()} {r2.capitalize()}" if s < 2 else
                            f"{r1.capitalize()}{num[i] % 100}" if s == 2 else
                            f"{r1.capitalize()}-{r2}" if s == 3 else
                            f"{r1.capitalize()}{r2}" if s == 4 else f"{r1.upper()}_{num[i]}")
                else:
                    name = (f"{r1}{num[i] % 1000}" if s < 2 else
                            f"{r1}_{r2}" if s == 2 else
                            f"{r1.capitalize()}{r2.capitalize()}" if s == 3 else
                            f"{r1}{r2}{num[i] % 100}" if s == 4 else f"{r1}_{num[i]}")
                if name not in seen and len(name) <= 30:
                    seen.add(name)
                    out.append(name)
                    if len(out) == n:
                        break
        return out
