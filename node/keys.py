"""The node's Ed25519 signing key, kept in one file in the node home.

The file holds the 32-byte seed as 64 hex digits and a newline, readable by the owner
only (0600), like an SSH private key. It is written to a temporary file first and then
linked into place, so a crash leaves either no key file or a whole one, and an existing
key is never replaced.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from nacl.signing import SigningKey

from meshaid.node.errors import KeyFileError

KEY_FILE_MODE = 0o600


def write_new_key(path: Path, key: SigningKey) -> None:
    """Write ``key`` to ``path`` atomically; KeyFileError if a key file is already there."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    data = bytes(key).hex().encode("ascii") + b"\n"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    try:
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        # link() fails when the target exists, so a concurrent init cannot clobber a key.
        os.link(tmp, path)
    except FileExistsError as exc:
        raise KeyFileError(f"{path} already exists; not overwriting a node key") from exc
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def load_key(path: Path) -> SigningKey:
    """Read the node key; KeyFileError names the file and the problem."""
    try:
        st = path.stat()
        text = path.read_text(encoding="ascii")
    except FileNotFoundError as exc:
        raise KeyFileError(f"{path}: key file is missing") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"{path}: cannot read key file ({exc})") from exc
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{path}: key file is accessible by other users "
            f"(mode {stat.S_IMODE(st.st_mode):04o}); run: chmod 600 {path}"
        )
    seed_hex = text.strip()
    try:
        seed = bytes.fromhex(seed_hex)
    except ValueError:
        seed = b""
    if len(seed) != 32:
        raise KeyFileError(f"{path}: not a meshaid key file (expected 64 hex digits)")
    return SigningKey(seed)


KeyFactory = Callable[[], SigningKey]


def generate_key() -> SigningKey:
    """A new random node key."""
    return SigningKey.generate()
