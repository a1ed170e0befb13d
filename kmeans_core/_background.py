"""Compile a fit's kernels in a background process while its NumPy twins run.

A first fit on large data in a fresh environment runs through the NumPy twins
(``_jit``, ``_twins_gemm``): it returns without waiting for the compiler, but
it leaves nothing in the kernel cache, so the next process would run the
slower twins again.  So when a fit runs twins in place of kernels that are not
cached, it asks for them (``request``), and when it is done (so as not to slow
it: the compile takes a core for tens of seconds), ``start`` launches
``python -m kmeans_core.precompile --only ... --dtype ... --background`` once:
a separate process, at the lowest priority (nice 19), in its own session, that
compiles those paths' kernels into the cache that later processes load, and
outlives the process that started it.

* ``KMEANS_CORE_BACKGROUND_COMPILE=0`` (or ``false``, ``no``, ``off``) turns it
  off; the test suite does, but for the test of this module.
* A lock file in the kernel cache folder (``lock_path``) keeps processes that
  start together (a pool of workers) from compiling the same workload each; a
  lock older than ``STALE_LOCK_SECONDS`` belongs to a compile that died and is
  taken over.
* One launch per workload and dtype per process; it is logged through the
  ``kmeans_core`` logger, and nothing is printed.
* The lock holds the compiling process's id, so ``running`` can tell a live
  compile from one that died: while one runs, the twins keep standing in
  (``_jit``) rather than compile the same kernels a second time in the
  foreground, which stalled a process's second fit for 12-19 s.
"""

from __future__ import annotations

import logging
import os
import site
import subprocess
import sys
import threading
import time
from pathlib import Path

logger = logging.getLogger("kmeans_core")

#: Environment variable that turns background compiles off when "0", "false",
#: "no" or "off".
ENV_SWITCH = "KMEANS_CORE_BACKGROUND_COMPILE"

#: A lock this old (seconds) is left from a compile that died.
STALE_LOCK_SECONDS = 15 * 60

_lock = threading.Lock()
_requested: set[tuple[str, str]] = set()
_launched: set[tuple[str, str]] = set()
_children: dict[int, subprocess.Popen] = {}

#: A lock without a process id yet (written just after the launch) counts as a
#: live compile for this long (seconds).
UNWRITTEN_LOCK_SECONDS = 10.0


def enabled() -> bool:
    """Whether background compiles may start (``ENV_SWITCH`` not set off)."""
    value = os.environ.get(ENV_SWITCH, "1").strip().lower()
    return value not in ("0", "false", "no", "off")


def lock_path(workloads: tuple[str, ...], dtype: str) -> Path:
    """The lock file of one background compile, in the kernel cache folder."""
    from ._caching import kernel_cache_dir

    _, folder = kernel_cache_dir()
    return folder / f"background-{'+'.join(sorted(workloads))}-{dtype}.lock"


def _take_lock(path: Path) -> bool:
    """Create ``path`` exclusively (True), unless a live compile holds it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and time.time() - path.stat().st_mtime > STALE_LOCK_SECONDS:
            path.unlink(missing_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except OSError:
        return False
    os.close(fd)
    return True


def request(workload: str, dtype: str) -> None:
    """Ask for ``workload`` (a key of ``precompile.WORKLOADS``) on ``dtype``.

    Nothing starts until ``start``; a workload already launched by this
    process is not asked again.
    """
    with _lock:
        if (workload, dtype) not in _launched:
            _requested.add((workload, dtype))


def start() -> int | None:
    """Launch one background compile for every requested workload, if enabled.

    Returns the process id, or None when nothing was launched (nothing asked,
    switched off, or another process holds the lock).
    """
    with _lock:
        pending = sorted(_requested - _launched)
        _requested.clear()
        if not pending or not enabled():
            return None
        _launched.update(pending)
    dtypes = {dtype for _, dtype in pending}
    pid = None
    for dtype in sorted(dtypes):
        workloads = tuple(name for name, d in pending if d == dtype)
        pid = _launch(workloads, dtype) or pid
    return pid


def _launch(workloads: tuple[str, ...], dtype: str) -> int | None:
    path = lock_path(workloads, dtype)
    if not _take_lock(path):
        return None
    command = [sys.executable, "-m", "kmeans_core.precompile", "--background"]
    command += ["--only", *workloads, "--dtype", dtype, "--jobs", "1", "--quiet"]
    command += ["--lock", str(path)]
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            env=_child_environment(),
        )
    except OSError as error:
        path.unlink(missing_ok=True)
        logger.info("could not start a background compile: %s", error)
        return None
    with _lock:
        _children[process.pid] = process
    try:
        path.write_text(str(process.pid))
    except OSError:
        pass  # the lock then counts as live for UNWRITTEN_LOCK_SECONDS only
    logger.info(
        "compiling kernels (%s, %s) in the background for later processes (pid %d)",
        ", ".join(workloads),
        dtype,
        process.pid,
    )
    return process.pid


def _child_environment() -> dict[str, str]:
    """This environment, the switch off, and this kmeans_core first on the path.

    The child must import the same kmeans_core as this process, which may have
    found it through a path added at run time rather than the installation.
    """
    env = {**os.environ, ENV_SWITCH: "0"}
    package_root = Path(__file__).resolve().parent.parent
    installed = [*site.getsitepackages(), site.getusersitepackages()]
    if package_root in {Path(p).resolve() for p in installed}:
        return env  # an installed package: the child finds it the same way
    path = os.environ.get("PYTHONPATH", "")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(package_root), path) if p)
    return env


def running() -> bool:
    """Whether a background compile is running on this kernel cache now.

    One launched by this process or another (a lock in the cache folder whose
    process is alive); a lock left by a compile that died does not count.
    """
    from ._caching import kernel_cache_dir

    _, folder = kernel_cache_dir()
    try:
        locks = list(Path(folder).glob("background-*.lock"))
    except OSError:
        return False
    return any(_lock_is_live(path) for path in locks)


def _lock_is_live(path: Path) -> bool:
    """Whether the compile that holds the lock file ``path`` is still running."""
    try:
        age = time.time() - path.stat().st_mtime
        text = path.read_text().strip()
    except OSError:
        return False  # removed meanwhile: that compile is done
    if age > STALE_LOCK_SECONDS:
        return False
    if not text.isdigit():
        return age < UNWRITTEN_LOCK_SECONDS
    return _process_alive(int(text))


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a child of ours that exited is not)."""
    with _lock:
        child = _children.get(pid)
    if child is not None:
        return child.poll() is None  # reaps it: an exited child is no zombie
    if os.name == "nt":
        return True  # os.kill(pid, 0) would end the process there, not probe it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by another user
    return True


def wait_for_locks(folder: Path, timeout: float) -> bool:
    """Wait until no background-compile lock is left under ``folder``.

    For benchmarks and tests that start a fresh process after one that
    launched a background compile.  Returns False on timeout.
    """
    deadline = time.monotonic() + timeout
    while any(Path(folder).rglob("background-*.lock")):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
