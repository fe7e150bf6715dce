"""A CSV of generated posts in the shape of a typical social-media export (for ingest tests)."""

import csv
from pathlib import Path

MAP = ["--map", "action_id=tweet_id", "--map", "account=user_name", "--map", "ts=created_at",
       "--map", "text=body", "--map", "urls=links", "--map", "hashtags=tags"]


def write_posts(path: Path, n: int, bad_line: int | None = None) -> None:
    """A CSV of n posts; the record on physical line ``bad_line`` gets an unreadable time."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["tweet_id", "user_name", "created_at", "body", "links", "tags"])
        for i in range(1, n + 1):
            line = i + 1  # header is line 1
            ts = "not-a-time" if line == bad_line else f"2021-03-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}+01:00"
            w.writerow([str(1000 + i), f"user{i % 17}", ts, f"post number {i}",
                        "https://www.example.com/a?utm_source=x" if i % 5 == 0 else "",
                        "#one #two" if i % 7 == 0 else ""])


#: The same mapping as a dict, for the Python API.
MAPPING = {k: v for k, v in (m.split("=") for m in MAP[1::2])}
