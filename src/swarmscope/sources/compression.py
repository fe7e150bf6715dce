"""Transparent decompression of input files, detected by magic bytes (not by file name).

gzip, bzip2, xz and zstandard stream; 7z archives (one member) are read through ``py7zr``.
:func:`open_input` also reports how many bytes of the *compressed* file have been consumed, which
is what a progress bar over the file size needs.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path
from typing import BinaryIO

MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bz2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"7z\xbc\xaf\x27\x1c": "7z",
}


def detect_compression(path: str | Path) -> str | None:
    """``"gzip"``, ``"bz2"``, ``"xz"``, ``"zstd"``, ``"7z"`` or ``None`` for a plain file."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    for magic, name in MAGIC.items():
        if head.startswith(magic):
            return name
    return None


class CountingReader(io.RawIOBase):
    """Wraps a raw file and counts the bytes read from it."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        n = self.raw.readinto(b)  # type: ignore[attr-defined]
        if n:
            self.consumed += n
        return n or 0

    def close(self) -> None:
        self.raw.close()
        super().close()


def open_input(path: str | Path) -> tuple[BinaryIO, CountingReader]:
    """Open ``path`` for binary reading, decompressing as needed.

    Returns the (decompressed) stream and the counter of raw bytes consumed.
    """
    kind = detect_compression(path)
    raw = open(path, "rb")  # noqa: SIM115 - closed with the returned stream
    counter = CountingReader(raw)
    buffered = io.BufferedReader(counter, buffer_size=1 << 20)
    if kind is None:
        return buffered, counter  # type: ignore[return-value]
    if kind == "gzip":
        return gzip.GzipFile(fileobj=buffered), counter  # type: ignore[return-value]
    if kind == "bz2":
        return bz2.BZ2File(buffered), counter  # type: ignore[return-value]
    if kind == "xz":
        return lzma.LZMAFile(buffered), counter  # type: ignore[return-value]
    if kind == "zstd":
        import zstandard

        # Pushshift / Arctic Shift dumps use long windows (zstd --long=31).
        reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(buffered)
        return io.BufferedReader(reader, buffer_size=1 << 20), counter  # type: ignore[arg-type]
    if kind == "7z":
        return _open_7z(path, counter)
    raise AssertionError(kind)


def _open_7z(path: str | Path, counter: CountingReader) -> tuple[BinaryIO, CountingReader]:
    import tempfile

    import py7zr

    counter.close()
    tmpdir = tempfile.mkdtemp(prefix="swarmscope-7z-")
    with py7zr.SevenZipFile(path, mode="r") as archive:
        names = [n for n in archive.getnames()]
        archive.extractall(path=tmpdir)
    files = [Path(tmpdir) / n for n in names if (Path(tmpdir) / n).is_file()]
    if len(files) != 1:
        raise ValueError(f"{path}: a 7z input must hold exactly one file, it holds {len(files)}")
    size = Path(path).stat().st_size
    fh = _TempFile(files[0], tmpdir)
    done = CountingReader(io.BytesIO())
    done.consumed = size
    return fh, done  # type: ignore[return-value]


class _TempFile(io.FileIO):
    """A file extracted to a temporary folder that is removed when the file is closed."""

    def __init__(self, path: Path, tmpdir: str) -> None:
        super().__init__(path, "rb")
        self._tmpdir = tmpdir

    def close(self) -> None:
        import shutil

        super().close()
        shutil.rmtree(self._tmpdir, ignore_errors=True)
