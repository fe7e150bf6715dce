"""swarmscope: find coordinated inauthentic behaviour in public activity data.

The Python API mirrors the CLI::

    import swarmscope
    case = swarmscope.Case.init("mycase")
    swarmscope.ingest(case, ["tweets.csv"], format="csv", mapping={"account": "user"})
"""

__version__ = "0.1.0"

from .case import Case  # noqa: E402
from .errors import CaseError, IngestError, SwarmscopeError, UsageError  # noqa: E402
from .ingest import IngestReport, ingest  # noqa: E402

__all__ = [
    "Case",
    "CaseError",
    "IngestError",
    "IngestReport",
    "SwarmscopeError",
    "UsageError",
    "__version__",
    "ingest",
]
