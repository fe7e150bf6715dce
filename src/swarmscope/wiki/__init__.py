"""Wikipedia (and any MediaWiki) revisions as actions: live collection, dumps, reverts, citations.

Every wiki source emits one action per revision (``docs/actions.md``, "Wikipedia revisions";
``docs/wikipedia.md`` for the details):

- :mod:`~swarmscope.wiki.revision`: how one revision becomes one action (platform, hidden and
  anonymous editors, checksums) - shared by every wiki source;
- :mod:`~swarmscope.wiki.xmldump`: MediaWiki XML export files (``--format mediawiki-xml``);
- :mod:`~swarmscope.wiki.history_tsv`: Wikimedia's analytics ``mediawiki_history`` TSV dumps;
- :mod:`~swarmscope.wiki.wikisocks`: the WikiSocks CSV, whose sockpuppet labels go to the
  ``labels`` table (:mod:`~swarmscope.wiki.labels`), never into the actions;
- :mod:`~swarmscope.wiki.usercontribs`: JSON of ``list=usercontribs`` / ``prop=revisions`` API
  records and responses (also what the live collector stores);
- :mod:`~swarmscope.wiki.api` and :mod:`~swarmscope.wiki.collect`: polite, resumable live
  collection from the MediaWiki Action API and the Wikimedia REST API;
- :mod:`~swarmscope.wiki.reverts` and :mod:`~swarmscope.wiki.citations`: identity reverts
  (radius 15) and cited domains, published as the ``wiki_revisions`` table.
"""
