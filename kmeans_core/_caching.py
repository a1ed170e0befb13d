"""Where the compiled kernels are cached on disk, so only one process compiles them.

Numba caches a ``cache=True`` function under ``NUMBA_CACHE_DIR`` when that is set,
else next to its source (``__pycache__``), else, when the package folder is not
writable, in ``~/.cache/numba``; and when none of these is writable, defining the
function raises, so ``import kmeans_core`` itself would fail.  This module makes the
choice for kmeans_core's kernels explicit, and never fatal.  For each kernel's source
file, the first that applies:

1. ``KMEANS_CORE_CACHE_DIR``, when set (and writable);
2. ``NUMBA_CACHE_DIR``, when set (left to Numba, as for any function);
3. the package's own ``__pycache__`` folders, when writable (Numba's default);
4. the user cache folder (``user_cache_dir``): ``$XDG_CACHE_HOME/kmeans_core`` or
   ``~/.cache/kmeans_core`` on Linux, ``~/Library/Caches/kmeans_core`` on macOS,
   ``%LOCALAPPDATA%\\kmeans_core\\Cache`` on Windows;
5. else a temporary folder, removed at exit: the kernels are compiled once per
   process, and a warning is logged.

It does so through a Numba cache locator that claims only the files of this package
(``KernelCacheLocator``), put first in Numba's list of locators when this module is
imported, before any kernel is defined; every other function keeps Numba's rules.
Inside a chosen folder (rules 1, 2, 4 and 5), each source folder gets its own
subfolder named after a hash of its path, as in Numba's user-wide cache, so two
installations never share entries.

Numba checks a cached kernel against a stamp of its source (and its own version),
and drops the entry when the stamp differs.  Its stamp is the modification time
and size of the kernel's own file only, but a kernel carries compiled into it the
kernels it calls from other files (``lloyd`` inlines ``distances``, ``dots``
inlines ``common``) and the constants of ``_config``: after an edit there, the
old machine code would load.  So the locator stamps every kernel with the times
and sizes of all the files that kernels are compiled from (``kernel_sources``):
an edit to any of them sends every kernel to be compiled again.  It claims the
package's files under every rule, the in-tree one (3) included, for that reason.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path

from numba.core import caching, config

logger = logging.getLogger("kmeans_core")

#: The environment variable that overrides where the kernels are cached.
CACHE_DIR_ENV = "KMEANS_CORE_CACHE_DIR"

#: The folder of this package: the locator claims the source files below it.
PACKAGE_DIR = Path(__file__).resolve().parent


def _numba_class(name: str) -> type:
    """A class of ``numba.core.caching`` (named with a leading ``_`` before 0.6x)."""
    return getattr(caching, name, None) or getattr(caching, "_" + name)


_UserWideLocator = _numba_class("UserWideCacheLocator")
_CacheImpl = _numba_class("CacheImpl")


def user_cache_dir() -> Path | None:
    """The platform's per-user cache folder for kmeans_core (None without a home).

    ``$XDG_CACHE_HOME/kmeans_core`` (an absolute ``XDG_CACHE_HOME`` only, as the
    XDG specification says) or ``~/.cache/kmeans_core`` on Linux and other
    Unixes, ``~/Library/Caches/kmeans_core`` on macOS and
    ``%LOCALAPPDATA%\\kmeans_core\\Cache`` on Windows.
    """
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no password-database entry
        home = None
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        if local:
            return Path(local) / "kmeans_core" / "Cache"
        return home / "AppData" / "Local" / "kmeans_core" / "Cache" if home else None
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "kmeans_core" if home else None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "kmeans_core"
    return home / ".cache" / "kmeans_core" if home else None


@cache
def _writable(folder: Path) -> bool:
    """Whether ``folder`` exists or can be made, and a file can be written in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


@cache
def _temporary_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="kmeans_core-kernels-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    logger.warning(
        "kmeans_core: no writable cache folder (set %s to one); compiled kernels "
        "are kept in %s for this process only",
        CACHE_DIR_ENV,
        path,
    )
    return path


@cache
def _ignored_env_dir(value: str) -> None:
    logger.warning("kmeans_core: %s=%s is not writable; ignored", CACHE_DIR_ENV, value)


def cache_root(source_dir: Path) -> tuple[str, Path | None]:
    """Which rule places the kernels of the files in ``source_dir``, and its folder.

    Returns ``(rule, root)``: ``rule`` is ``"KMEANS_CORE_CACHE_DIR"``,
    ``"NUMBA_CACHE_DIR"``, ``"package"``, ``"user"`` or ``"temporary"`` (see the
    module docstring); ``root`` is the rule's folder, or None for rules 2 and
    3, whose folders are the ones Numba would use (``NUMBA_CACHE_DIR``, and
    ``__pycache__`` beside the source).
    """
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        if _writable(Path(env)):
            return CACHE_DIR_ENV, Path(env)
        _ignored_env_dir(env)
    if config.CACHE_DIR:
        return "NUMBA_CACHE_DIR", None
    if _writable(source_dir / "__pycache__"):
        return "package", None
    user = user_cache_dir()
    if user is not None and _writable(user):
        return "user", user
    return "temporary", _temporary_dir()


def kernel_sources() -> list[Path]:
    """The files whose code or constants a compiled kernel may carry.

    Every module of ``_kernels`` (a kernel inlines the kernels it calls) and
    ``_config`` (its constants are frozen into the machine code).
    """
    return sorted((PACKAGE_DIR / "_kernels").glob("*.py")) + [
        PACKAGE_DIR / "_config.py"
    ]


@cache
def _sources_stamp() -> tuple[tuple[str, float, int], ...]:
    """Name, modification time and size of each of ``kernel_sources``.

    Read once per process, when the first kernel is defined.
    """
    stamp = []
    for path in kernel_sources():
        try:
            status = path.stat()
        except OSError:  # a file removed since the listing
            continue
        stamp.append((path.name, status.st_mtime, status.st_size))
    return tuple(stamp)


class KernelCacheLocator(_UserWideLocator):
    """Numba's user-wide locator, with the folder chosen by ``cache_root``.

    It stamps each kernel with all of ``kernel_sources`` (see the module
    docstring), so a kernel compiled before an edit to any of them is not
    loaded.  ``from_function`` returns None (so Numba's next locator decides)
    for a function outside this package.
    """

    def __init__(self, py_func, py_file, cache_path: Path):
        super().__init__(py_func, py_file)
        self._cache_path = str(cache_path)

    def get_source_stamp(self):
        return _sources_stamp()

    @classmethod
    def from_function(cls, py_func, py_file):
        path = Path(py_file).resolve()
        if PACKAGE_DIR not in path.parents or not path.exists():
            return None
        self = cls(py_func, py_file, _cache_path(path))
        try:
            self.ensure_cache_path()
        except OSError:
            return None
        return self


def kernel_cache_dir() -> tuple[str, Path]:
    """Where the kernels of ``kmeans_core._kernels`` are cached now, and why.

    Returns
    -------
    rule : str
        The rule of ``cache_root`` that applies.
    path : Path
        The folder that Numba (or ``KernelCacheLocator``) uses for the
        kernels' source folder.
    """
    source_dir = PACKAGE_DIR / "_kernels"
    return cache_root(source_dir)[0], _cache_path(source_dir / "x.py")


def _cache_path(source_file: Path) -> Path:
    """The cache folder of the kernels defined in ``source_file``.

    The rule of ``cache_root``, in the folder that Numba's own locators would
    choose for it: ``__pycache__`` beside the file (rule 3), else a subfolder
    of the rule's folder named after the source folder.
    """
    rule, root = cache_root(source_file.parent)
    if rule == "package":
        return source_file.parent / "__pycache__"
    subpath = _UserWideLocator.get_suitable_cache_subpath(str(source_file))
    return Path(root if root is not None else config.CACHE_DIR) / subpath


def install_locator() -> None:
    """Put ``KernelCacheLocator`` first in Numba's locators (once per process)."""
    locators = _CacheImpl._locator_classes
    if not any(c.__name__ == KernelCacheLocator.__name__ for c in locators):
        locators.insert(0, KernelCacheLocator)


install_locator()
