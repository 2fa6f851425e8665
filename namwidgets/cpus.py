"""The CPUs this process may really use, and whether other work holds them.

Shared by the estimators' thread counts (``n_threads=None``) and the edit
session's live path: both follow the affinity mask and the cgroup CPU quota
(a container's or a Binder pod's), not the host's core count.
"""

from __future__ import annotations

import math
import os


def _cgroup_cpus(root: str) -> float | None:
    """CPUs the cgroup CPU quota allows (v2 ``cpu.max``, v1 ``cfs_quota_us``)."""
    try:
        with open(os.path.join(root, "cpu.max")) as fh:
            quota, period = fh.read().split()[:2]
        if quota != "max" and float(period) > 0:
            return float(quota) / float(period)
        return None
    except (OSError, ValueError):
        pass
    for sub in ("cpu", "cpu,cpuacct", "cpuacct,cpu", ""):
        try:
            with open(os.path.join(root, sub, "cpu.cfs_quota_us")) as fh:
                q = float(fh.read().strip())
            with open(os.path.join(root, sub, "cpu.cfs_period_us")) as fh:
                p = float(fh.read().strip())
        except (OSError, ValueError):
            continue
        if q > 0 and p > 0:
            return q / p
        return None
    return None


def available_cpus(cgroup_root: str = "/sys/fs/cgroup") -> int:
    """CPUs this process may really use: its affinity mask and its cgroup quota.

    ``os.cpu_count()`` (and torch's default thread count) is the host's core
    count; a container or Binder pod may be allowed far less (``cpu.max`` of
    ``"100000 100000"`` is one CPU on a 64-core host), and threads beyond the
    quota spin-wait for each other.

    Parameters
    ----------
    cgroup_root : str, default="/sys/fs/cgroup"
        Where the cgroup files are (tests point it at a fake folder).

    Returns
    -------
    int
        At least 1.
    """
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        n = os.cpu_count() or 1
    quota = _cgroup_cpus(cgroup_root)
    if quota is not None:
        n = min(n, max(1, math.ceil(quota - 1e-9)))
    return max(1, n)


def cpus_busy(cpus: int) -> bool:
    """Whether other work keeps the CPUs busy: the 1-minute load average."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not Unix
        return False
    return load > cpus - 0.5
