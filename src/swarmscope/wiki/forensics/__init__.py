"""Wikipedia forensics: the signals sockpuppet investigators read, computed from a case.

One module per signal, each documenting its method, parameters and references; all read the
``wiki_revisions`` table (:mod:`swarmscope.wiki.reverts`) and write ``results/wiki_*.parquet``
through :func:`~swarmscope.wiki.forensics.report.run_report` (``swarmscope wiki report``):

- :mod:`.pagestats`: page statistics (XTools Page History parity: editors by edits and by
  added text, shares, first/last edit, time between edits, minor/IP/bot shares, top editors'
  share, daily page views beside edits);
- :mod:`.interaction`: editor interaction (Editor Interaction Analyser parity: pages in
  common, minimum time between edits, who came first, the interaction timeline);
- :mod:`.revertnet`: the revert network (reverter -> reverted) and the edit-war M-statistic;
- :mod:`.tagteam`: tag teams, pairs co-reverting the same opponents scored against a
  permutation null of the revert network;
- :mod:`.sources`: cited domains removed and added per account, per domain and per group;
- :mod:`.single_purpose`: single-purpose accounts, sleepers, starts after another's block;
- :mod:`.similar` and :mod:`.pairscore`: SimilarUsers parity and the same-operator pair score.

``docs/wiki-forensics.md`` describes the result columns and the differences from XTools, the
Editor Interaction Analyser and SimilarUsers.

Example::

    from swarmscope import Case
    from swarmscope.wiki.forensics import run_report
    rep = run_report(Case.open("mycase"), users=["Alice", "Bob"])
    rep.tables["wiki_tag_teams"], rep.paths["wiki_similar_pairs"]
"""

from .report import ForensicsReport, run_report

__all__ = ["ForensicsReport", "run_report"]
