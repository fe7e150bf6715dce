"""Telegram Desktop exports (result.json): ``swarmscope ingest CASE FILE --format telegram``."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import orjson
import pytest

import swarmscope
from swarmscope.errors import IngestError
from swarmscope.sources.registry import detect_format
from swarmscope.sources.telegram import TelegramEscapes
from swarmscope.text import text_key

DATA = Path(__file__).parent / "data" / "formats" / "telegram"
GROUP = DATA / "supergroup.json"
CHANNEL = DATA / "channel.json"
OLD = DATA / "old-export.json"
CONTROL = DATA / "control-chars.json"
COLUMNS = ("record", "action_id", "account", "kind", "parent_id", "repost_of", "text", "urls",
           "hashtags", "mentions")
FORWARD_KEY = "fwd:Truth Channel:" + text_key("BREAKING: polls closed early!")


def rows(case) -> list[dict]:
    return case.read("actions").sort_by("record").to_pylist()


def test_maps_messages_replies_and_forwards_row_by_row(case):
    report = swarmscope.ingest(case, [GROUP], format="telegram")
    assert (report.added, report.rejected) == (8, 0)
    assert [{c: r[c] for c in COLUMNS} for r in rows(case)] == [
        # record 1 is a service message (a join)
        {"record": 2, "action_id": "1789456123/2", "account": "user111", "kind": "post",
         "parent_id": None, "repost_of": None, "text": "Good morning", "urls": [],
         "hashtags": [], "mentions": []},
        {"record": 3, "action_id": "1789456123/3", "account": "user222", "kind": "post",
         "parent_id": None, "repost_of": None,
         "text": "Read example.org/news?a=1 and this #выборы cc @ann_real Carl NOW "
                 "\U0001F525\nمرحبا",
         "urls": ["example.org/news?a=1", "https://t.me/truthchannel/55"],
         "hashtags": ["выборы"], "mentions": ["ann_real", "user333"]},
        {"record": 4, "action_id": "1789456123/4", "account": "user111", "kind": "reply",
         "parent_id": "1789456123/3", "repost_of": None, "text": "Thanks!", "urls": [],
         "hashtags": [], "mentions": []},
        {"record": 5, "action_id": "1789456123/5", "account": "user444", "kind": "repost",
         "parent_id": None, "repost_of": FORWARD_KEY, "text": "BREAKING: polls  closed early!",
         "urls": [], "hashtags": [], "mentions": []},
        {"record": 6, "action_id": "1789456123/6", "account": "user555", "kind": "repost",
         "parent_id": None, "repost_of": FORWARD_KEY, "text": "breaking: Polls closed early!",
         "urls": [], "hashtags": [], "mentions": []},
        # a forwarded photo without text: the original cannot be identified
        {"record": 7, "action_id": "1789456123/7", "account": "user444", "kind": "repost",
         "parent_id": None, "repost_of": None, "text": None, "urls": [], "hashtags": [],
         "mentions": []},
        # record 8 is a service message (a pin); 9 replies across chats, from a deleted account
        {"record": 9, "action_id": "1789456123/9", "account": "user666", "kind": "reply",
         "parent_id": "1555000111/12", "repost_of": None,
         "text": "Deleted account still speaks", "urls": [], "hashtags": [], "mentions": []},
        {"record": 10, "action_id": "1789456123/10", "account": "user111", "kind": "post",
         "parent_id": None, "repost_of": None, "text": None, "urls": [], "hashtags": [],
         "mentions": []},
        # record 11 is an unsupported message
    ]
    assert all(r["account_id"] == r["account"] for r in rows(case))


def test_ts_is_date_unixtime_not_the_local_date(case):
    swarmscope.ingest(case, [GROUP], format="telegram")
    # "date" says 03:00:01 (the exporting computer's zone), date_unixtime 02:00:01 UTC
    assert rows(case)[1]["ts"].isoformat() == "2024-03-10T02:00:01+00:00"


def test_old_exports_without_unixtime_are_read_in_the_given_zone(case):
    swarmscope.ingest(case, [OLD], format="telegram", tz="Europe/Berlin")
    got = [(r["account"], r["ts"].isoformat()) for r in rows(case)]
    # 01:30 CET and 03:30 CEST, either side of the 2019 spring DST change
    assert got == [("111", "2019-03-31T00:30:00+00:00"), ("111", "2019-03-31T01:30:00+00:00")]
    assert orjson.loads(rows(case)[0]["extra"])["ts_local"] is True


def test_extra_keeps_names_chat_and_media(case):
    swarmscope.ingest(case, [GROUP], format="telegram")
    extras = {r["record"]: orjson.loads(r["extra"]) for r in rows(case)}
    assert extras[3]["from"] == "Boris בוריס"
    assert extras[3]["chat_name"] == "Citizens for Truth \U0001F1FA\U0001F1E6"
    assert extras[3]["chat_type"] == "public_supergroup"
    assert extras[4]["edited_unixtime"] == "1710036300"
    assert extras[5]["forwarded_from"] == "Truth Channel"
    assert extras[7]["media"] == ["photo"]
    assert extras[9]["sender_deleted"] is True
    assert extras[10]["sticker_emoji"] == "\U0001F44D"


def test_channel_posts_are_by_the_channel_with_the_signature_in_extra(case):
    swarmscope.ingest(case, [CHANNEL], format="telegram")
    post, forward = rows(case)
    assert (post["account"], orjson.loads(post["extra"])["author"]) == (
        "channel1555000111", "Admin Ivan")
    assert forward["urls"] == ["https://video.example/v?id=1&utm_medium=tg"]
    assert forward["links"] == ["https://video.example/v?id=1"]


def test_service_messages_are_counted_in_a_warning(case, caplog):
    with caplog.at_level(logging.WARNING, logger="swarmscope.sources"):
        swarmscope.ingest(case, [GROUP], format="telegram")
    [message] = [r.getMessage() for r in caplog.records]
    assert str(GROUP) in message and "3 records" in message
    assert "2 service messages" in message and "1 unsupported messages" in message


def test_control_characters_written_as_backslash_x_are_read(case):
    swarmscope.ingest(case, [CONTROL], format="telegram")
    assert rows(case)[0]["text"] == "tab\there \x02 vertical-tab \x0b end \\xback\\slash"


def test_escape_fix_handles_escapes_split_across_reads():
    class Trickle:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self, n: int) -> bytes:
            out, self.data = self.data[:3], self.data[3:]
            return out

    raw = b'{"t": "a\\x0B\\\\x\\\\\\x1F"}'
    fixed = b""
    stream = TelegramEscapes(Trickle(raw))  # type: ignore[arg-type]
    while chunk := stream.read(3):
        fixed += chunk
    assert json.loads(fixed) == {"t": "a\x0b\\x\\\x1f"}


def test_reingest_adds_nothing(case):
    swarmscope.ingest(case, [GROUP], format="telegram")
    again = swarmscope.ingest(case, [GROUP], format="telegram")
    assert (again.added, again.duplicates) == (0, 8)


def broken_copy(tmp_path: Path, edit) -> Path:
    chat = json.loads(GROUP.read_text(encoding="utf-8"))
    edit(chat["messages"])
    path = tmp_path / "result.json"
    path.write_text(json.dumps(chat, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def test_message_without_sender_stops_with_file_record_and_field(case, tmp_path):
    path = broken_copy(tmp_path, lambda msgs: msgs[3].pop("from_id"))
    with pytest.raises(IngestError) as err:
        swarmscope.ingest(case, [path], format="telegram")
    assert (err.value.file, err.value.record, err.value.field) == (str(path), 4, "from_id")
    assert case.count() == 0


def test_skip_mode_logs_bad_messages_and_keeps_the_rest(case, tmp_path):
    def edit(msgs):
        msgs[1]["text"] = 42
        msgs[2]["date_unixtime"] = "not a time"

    path = broken_copy(tmp_path, edit)
    report = swarmscope.ingest(case, [path], format="telegram", on_error="skip")
    assert (report.added, report.rejected) == (6, 2)
    logged = [orjson.loads(x) for x in
              (case.path / report.files[0].rejects_file).read_bytes().splitlines()]
    assert [(r["record"], r["field"]) for r in logged] == [(2, "text"), (3, "date_unixtime")]


def test_a_full_account_export_is_refused_with_advice(case, tmp_path):
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"about": "x", "personal_information": {}, "chats": {"list": []}}))
    with pytest.raises(IngestError, match="full Telegram account export"):
        swarmscope.ingest(case, [path], format="telegram")


@pytest.mark.parametrize("path", [GROUP, CHANNEL, OLD, CONTROL], ids=lambda p: p.stem)
def test_auto_detects_telegram(path):
    assert detect_format(path) == "telegram"
