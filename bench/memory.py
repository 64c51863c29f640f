"""Memory of a process tree for the benchmarks: RSS and PSS by process, and the peak while a block runs.

RSS counts the pages a process shares with the others (torch's libraries, mapped by each of vLLM's
processes) once per process, so its sum over a tree is an upper bound; PSS splits shared pages
between the processes that map them, so its sum is what the tree really holds (close to what a
pod's cgroup is charged). Knows psutil and process ids, nothing of finx.
"""

import contextlib
import threading

import psutil


def by_process(pid: int) -> list[tuple[str, float, float]]:
    """(name, RSS GiB, PSS GiB) of each live process of the tree rooted at `pid`, largest RSS first."""
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return []
    sizes = []
    for member in members:
        with contextlib.suppress(psutil.Error):
            memory = member.memory_full_info()
            sizes.append((member.name(), memory.rss / 2**30, memory.pss / 2**30))
    return sorted(sizes, key=lambda item: -item[1])


def process_tree_rss_gib(pid: int) -> float:
    """Summed RSS of the tree (cheap: no page-map walk, for frequent samples)."""
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total / 2**30


class PeakMemory:
    """The largest summed RSS and PSS of a process tree, sampled every `interval_s` while the block runs."""

    def __init__(self, pid: int, interval_s: float = 0.5) -> None:
        self.pid, self.interval_s = pid, interval_s
        self.rss, self.pss = 0.0, 0.0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._sampler.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._sampler.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            sizes = by_process(self.pid)
            self.rss = max(self.rss, sum(rss for _, rss, _ in sizes))
            self.pss = max(self.pss, sum(pss for _, _, pss in sizes))
            self._stop.wait(self.interval_s)
