"""The one way the CLI writes an output file (`-o`): no clobbering, no symlinks, atomic.

Every command with `-o` (export, report, calendar) goes through `write_output`:

- an existing file is replaced only with `--force`;
- a symbolic link at the target is refused, never followed (with or without `--force`);
- the temporary file is created next to the target with O_EXCL (`tempfile.mkstemp`), so a
  planted file or symlink under a guessable temporary name cannot redirect the write;
- a missing directory is created only with `--mkdir`;
- the data is written to the temporary file, fsynced, then moved into place (`os.link` when the
  target must not exist, so a file appearing meanwhile is not clobbered; `os.replace` with
  `--force`): a reader never sees half a file and a failed write leaves the old file intact.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

__all__ = ["check_output", "output_options", "write_output"]

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])


def _check_target(path: Path, *, force: bool, mkdir: bool) -> None:
    """Refuse what must not be written to; create the directory when asked."""
    from tracker.errors import OutputRefused  # keeps `tracker --help` from importing the vocabulary

    parent = path.parent
    if not parent.exists():
        if not mkdir:
            raise OutputRefused(path, f"directory {str(parent)!r} does not exist (pass --mkdir to create it)")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputRefused(path, f"cannot create directory {str(parent)!r}: {exc.strerror}") from None
    elif not parent.is_dir():
        raise OutputRefused(path, f"{str(parent)!r} is not a directory")
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise OutputRefused(path, "is a symbolic link; refusing to write through it (remove it or choose another path)")
    if stat.S_ISDIR(info.st_mode):
        raise OutputRefused(path, "is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise OutputRefused(path, "is not a regular file")
    if not force:
        raise OutputRefused(path, "already exists (pass --force to replace it)")


def check_output(path: Path | str, *, force: bool = False, mkdir: bool = False) -> None:
    """Refuse an output path before the work that fills it (write_output checks again when writing)."""
    _check_target(Path(path), force=force, mkdir=mkdir)


def _umask_mode() -> int:
    # mkstemp creates 0600; an output file gets the mode a plain open() would give it.
    current = os.umask(0)
    os.umask(current)
    return 0o666 & ~current


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; some platforms cannot open a directory, which is harmless.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _move_into_place(tmp: str, path: Path, *, force: bool) -> None:
    from tracker.errors import OutputRefused

    if force:
        os.replace(tmp, path)  # replaces a link itself, never what it points to
        return
    try:
        os.link(tmp, path)  # fails if the target appeared since the check: never clobbers
    except FileExistsError:
        raise OutputRefused(path, "already exists (pass --force to replace it)") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # A file system without hard links: the check above is the best we can do.
        if os.path.lexists(path):
            raise OutputRefused(path, "already exists (pass --force to replace it)") from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def write_output(path: Path | str, write: Callable[[IO[bytes]], _T], *, force: bool = False,
                 mkdir: bool = False) -> _T:
    """Write a file through `write(handle)` safely and atomically; returns what `write` returned."""
    from tracker.errors import OutputRefused

    path = Path(path)
    _check_target(path, force=force, mkdir=mkdir)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputRefused(path, f"cannot write in {str(path.parent)!r}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            result = write(handle)
            handle.flush()
            os.fchmod(handle.fileno(), _umask_mode())
            os.fsync(handle.fileno())
        _move_into_place(tmp, path, force=force)
    except OSError as exc:
        raise OutputRefused(path, f"cannot write: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    _fsync_directory(path.parent)
    return result


def output_options(*, required: bool = False, stdout_default: bool = False,
                   help_text: str = "File to write.") -> Callable[[_F], _F]:
    """Add `-o/--output`, `--force` and `--mkdir` to a command (`-` means standard output when allowed)."""

    def decorate(func: _F) -> _F:
        func = click.option("--mkdir", is_flag=True, help="Create the output file's directory if it is missing.")(func)
        func = click.option("--force", is_flag=True, help="Replace the output file if it exists.")(func)
        return click.option(
            "-o", "--output", type=click.Path(dir_okay=False, allow_dash=stdout_default, path_type=str),
            required=required, default="-" if stdout_default else None, show_default=stdout_default,
            help=help_text,
        )(func)

    return decorate
