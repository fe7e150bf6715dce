"""Coverage on a real information operation: the 341 IRA accounts of Oct-Nov 2016.

All accounts are positives (Twitter attributed them to the Internet Research Agency), so this
measures coverage, not precision: the share of accounts placed in a flagged cluster. Published
anchor: 74% of accounts per information operation on average (Schoch et al. 2022); identical
text within 60 s alone reaches 78.9% here without any significance test.
"""

import pytest

from conftest import require_shared
from swarmscope import Case, ingest
from swarmscope.signals.detect import detect


@pytest.fixture(scope="module")
def ira_case(tmp_path_factory):
    path = require_shared("ira-twitter", "ira_tweets_en_2016-10-01_2016-11-15.parquet")
    case = Case.init(tmp_path_factory.mktemp("ira") / "case")
    report = ingest(case, [path], format="ira-538")
    assert report.added == 126_624
    return case


@pytest.mark.slow
@pytest.mark.parametrize("window", [None, "1h"])
def test_share_of_ira_accounts_in_flagged_clusters(ira_case, window):
    result = detect(ira_case, behaviours=["repost", "text"], window=window, write=False)
    accounts = {a["account"] for a in result.accounts.to_pylist()}
    assert len(accounts) == 341
    in_cluster = [a for a in result.accounts.to_pylist() if a["flagged"] and a["cluster"]]
    share = len(in_cluster) / 341
    print(f"\nIRA co-retweet (normalised text) + identical text, window "
          f"{window or 'per-behaviour default'}: {len(in_cluster)}/341 accounts "
          f"({share:.1%}) in flagged clusters, {result.counts['clusters']} clusters")
    assert share >= 0.5
