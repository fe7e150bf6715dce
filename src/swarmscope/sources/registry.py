"""The registry of source adapters: built-in formats plus entry points of other packages.

Third-party packages add a format by declaring an entry point in the group
``swarmscope.sources`` whose value is ``"package.module:SourceClass"`` (a subclass of
:class:`swarmscope.sources.base.Source`).
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from pathlib import Path

from ..errors import UsageError
from .base import Source
from .compression import open_input

#: name -> "module:Class". Modules are imported lazily, when a format is used.
BUILTIN: dict[str, str] = {
    "csv": "swarmscope.sources.tabular:CsvSource",
    "tsv": "swarmscope.sources.tabular:TsvSource",
    "jsonl": "swarmscope.sources.tabular:JsonlSource",
    "parquet": "swarmscope.sources.tabular:ParquetSource",
    "twitter-v2": "swarmscope.sources.twitter_v2:TwitterV2Source",
    "twitter-io": "swarmscope.sources.twitter_io:TwitterIOSource",
    "ira-538": "swarmscope.sources.ira538:Ira538Source",
    "reddit": "swarmscope.sources.reddit:RedditSource",
    "telegram": "swarmscope.sources.telegram:TelegramSource",
    "bluesky": "swarmscope.sources.bluesky:BlueskySource",
    "mastodon": "swarmscope.sources.mastodon:MastodonSource",
    "crowdtangle": "swarmscope.sources.crowdtangle:CrowdTangleSource",
    "youtube": "swarmscope.sources.youtube:YouTubeSource",
    "mediawiki-xml": "swarmscope.wiki.xmldump:MediaWikiXmlSource",
    "mediawiki-history": "swarmscope.wiki.history_tsv:MediaWikiHistorySource",
    "wikisocks": "swarmscope.wiki.wikisocks:WikiSocksSource",
    "usercontribs": "swarmscope.wiki.usercontribs:UserContribsSource",
}


def _targets() -> dict[str, str]:
    targets = dict(BUILTIN)
    for ep in entry_points(group="swarmscope.sources"):
        targets.setdefault(ep.name, ep.value)
    return targets


def _load(target: str) -> type[Source]:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def available_formats() -> dict[str, type[Source]]:
    """Formats whose adapter imports on this installation, by name."""
    out: dict[str, type[Source]] = {}
    for name, target in _targets().items():
        try:
            out[name] = _load(target)
        except (ImportError, AttributeError):
            continue
    return out


def get_source(name: str) -> type[Source]:
    """The adapter class of format ``name``."""
    targets = _targets()
    if name not in targets:
        raise UsageError(f"unknown format {name!r}; known formats: {', '.join(sorted(targets))}")
    try:
        return _load(targets[name])
    except (ImportError, AttributeError) as exc:
        raise UsageError(f"format {name!r} is not available in this installation: {exc}") from exc


def detect_format(path: Path) -> str:
    """Name of the format of ``path`` when its content says so unambiguously."""
    stream, _ = open_input(path)
    try:
        head = stream.read(64 * 1024)
    finally:
        stream.close()
    claims = [name for name, cls in available_formats().items() if _safe_sniff(cls, head, path)]
    if len(claims) == 1:
        return claims[0]
    if not claims:
        by_ext = _format_by_extension(path)
        if by_ext:
            return by_ext
        raise UsageError(f"{path}: cannot tell its format from its content; give --format")
    raise UsageError(f"{path}: ambiguous format (could be {', '.join(claims)}); give --format")


def _safe_sniff(cls: type[Source], head: bytes, path: Path) -> bool:
    try:
        return bool(cls.sniff(head, path))
    except Exception:  # noqa: BLE001 - a sniffer that chokes on foreign data does not claim it
        return False


_COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst", ".zstd", ".7z")


def _format_by_extension(path: Path) -> str | None:
    """Generic tabular formats by file name, when no content sniffer claimed the file."""
    name = path.name.lower()
    for suffix in _COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    for ext, fmt in ((".csv", "csv"), (".tsv", "tsv"), (".tab", "tsv"), (".jsonl", "jsonl"),
                     (".ndjson", "jsonl"), (".parquet", "parquet")):
        if name.endswith(ext):
            return fmt
    return None
