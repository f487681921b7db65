"""Fetch known data files from public mirrors, verified by checksum before they land.

A file is written to the cache only after its MD5 matches (of the bytes as served, or of their
gunzipped content, so a recompressed mirror copy is accepted too); a bad copy leaves nothing.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from aekit.errors import AekitError
from aekit.io import atomic_write_bytes


def md5_digests(data: bytes) -> set[str]:
    """MD5 of the bytes, and of their gunzipped content when they are gzip."""
    digests = {hashlib.md5(data, usedforsecurity=False).hexdigest()}
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError, zlib.error):
            digests.add(hashlib.md5(gzip.decompress(data), usedforsecurity=False).hexdigest())
    return digests


def fetch(filename: str, accepted_md5: set[str], mirrors: list[str], dest: Path,
          timeout: float = 60.0) -> Path:
    """Download `filename` from the first mirror that serves a copy with an accepted checksum."""
    override = os.environ.get("AEKIT_MIRROR")  # a local or institutional mirror, used alone
    urls = [m.rstrip("/") + "/" + filename for m in ([override] if override else mirrors)]
    failures = []
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                data = response.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            failures.append(f"{url}: {getattr(exc, 'reason', exc)}")
            continue
        if md5_digests(data).isdisjoint(accepted_md5):
            failures.append(f"{url}: checksum mismatch (corrupt or different file)")
            continue
        target = dest / filename
        atomic_write_bytes(target, data)
        return target
    raise AekitError(f"{filename}: download failed: " + "; ".join(failures))
