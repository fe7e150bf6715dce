"""The same co-action results on Spark (local mode) as on DuckDB.

Spark needs Java and PySpark. On a developer machine without them these tests skip with the
reason; under CI (CI=true) their absence is a failure: CI installs both (scripts/system-deps.sh,
the dev extra).
"""

import os
import shutil

import pytest

from conftest import require_shared
from swarmscope import Case, ingest
from swarmscope.signals.detect import detect

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _spark_or_skip():
    missing = []
    if shutil.which("java") is None:
        missing.append("a Java runtime (apt-get install default-jre-headless)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        missing.append("PySpark (pip install 'swarmscope[spark]')")
    if missing:
        msg = "the Spark engine needs " + " and ".join(missing)
        if IN_CI:
            pytest.fail(msg + "; CI installs both, so their absence is a failure")
        pytest.skip(msg)
    from swarmscope.engines.spark_engine import local_session

    spark = local_session("local[2]")
    spark.conf.set("spark.sql.shuffle.partitions", "4")
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@pytest.fixture(scope="module")
def spark():
    session = _spark_or_skip()
    yield session
    session.stop()


@pytest.fixture(scope="module")
def coord_case(tmp_path_factory):
    data = require_shared("coortweet", "russian_coord_tweets.parquet")
    case = Case.init(tmp_path_factory.mktemp("spark") / "case")
    ingest(case, [data], format="parquet", platform="twitter",
           mapping={"account": "account_id", "repost_of": "object_id",
                    "action_id": "content_id", "ts": "timestamp_share"},
           constants={"kind": "repost"})
    return case


def _same(a, b):
    ea, eb = a.edges.to_pylist(), b.edges.to_pylist()
    assert len(ea) == len(eb)
    for x, y in zip(ea, eb, strict=True):
        for k in x:
            if isinstance(x[k], float):
                assert x[k] == pytest.approx(y[k], rel=1e-9, abs=1e-300), k
            else:
                assert x[k] == y[k], k
    assert a.accounts.column("account").to_pylist() == b.accounts.column("account").to_pylist()
    assert a.accounts.column("score").to_pylist() == pytest.approx(
        b.accounts.column("score").to_pylist(), rel=1e-9)
    assert a.flagged == b.flagged
    assert a.clusters.column("members").to_pylist() == b.clusters.column("members").to_pylist()


@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["significance", "cnt", "coortweet"])
def test_coortweet_data_gives_identical_edges_and_scores(spark, coord_case, mode):
    duck = detect(coord_case, behaviours=["repost"], window=60, mode=mode, write=False)
    spk = detect(coord_case, behaviours=["repost"], window=60, mode=mode, write=False,
                 engine="spark", spark=spark)
    assert spk.params["engine"] == "spark"
    _same(duck, spk)
    if mode != "significance":  # the peers' reference networks
        assert duck.edges.num_rows == {"cnt": 63, "coortweet": 60}[mode]


@pytest.mark.spark
@pytest.mark.slow
def test_synthetic_case_gives_identical_results_with_the_crowd_cap(spark, tmp_path):
    from swarmscope.synthetic import Scenario, generate

    gen = generate(tmp_path / "syn", scale=0.01, seed=5, scenario=Scenario())
    case = Case.init(tmp_path / "case")
    ingest(case, [gen.actions_path], format="parquet")
    behaviours = ["repost", "reply", "text"]
    duck = detect(case, behaviours=behaviours, write=False, max_neighbours=5)
    spk = detect(case, behaviours=behaviours, write=False, max_neighbours=5, engine="spark",
                 spark=spark)
    _same(duck, spk)
    assert duck.bounded.to_pylist() == spk.bounded.to_pylist()
