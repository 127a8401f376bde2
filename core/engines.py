"""Where ingest parsing/embedding and batch answering run: in this process, or on Ray actors.

Both engines have one operation, :meth:`Engine.map`: a function over items, results in item
order. The function is described twice: ``setup``, a picklable zero-argument callable that
builds it (loading a model or an index once per worker), and optionally ``here``, the same
function already built in this process. The local engine runs ``here`` (or ``setup()``)
item by item; the Ray engine runs ``setup()`` once on each of its actors and streams the
results back. Ray is imported only by the Ray engine; a missing Ray names the extra.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Setup = Callable[[], Callable[[Any], Any]]
WORKER_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}  # this process's values win
_ray_lock = threading.Lock()  # guards starting, joining and shutting down Ray in this process
_ray_users = 0  # open engines on the Ray this module started; the last to close shuts it down
_starter = ThreadPoolExecutor(1, thread_name_prefix="ray-start")  # a thread that lives as long as the process


class EngineUnavailable(RuntimeError):
    """Ray is not installed, or no Ray cluster could be started or reached."""


class Engine:
    """Runs a function over items, in order; as a context manager it releases what it started."""

    def map(self, setup: Setup, items: Iterable, here: Callable | None = None) -> Iterator:
        """The function's result for each item, in item order, as they come (see the module docstring)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what this engine started (nothing for the local engine)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalEngine(Engine):
    """This process, one item after another: today's behaviour and the default."""

    def map(self, setup: Setup, items: Iterable, here: Callable | None = None) -> Iterator:
        return map(here if here is not None else setup(), items)


class RayEngine(Engine):
    """One Ray actor per CPU of the cluster, each holding the function ``setup()`` built.

    Connects on first use: to the cluster at ``address``, or to a local Ray it starts; a Ray already
    initialised in this process is used as it is. A Ray this module started is shared by every engine
    of the process and shut down when the last of them closes; any other Ray is never shut down.
    Files and the index directory must be at the same paths on every node (one machine, or a shared
    filesystem).
    """

    def __init__(self, address: str = "", num_cpus: int | None = None):
        self.ray = import_ray()
        self.address, self.num_cpus = address, num_cpus
        self.started = False  # counted among the users of the Ray this module started

    def map(self, setup: Setup, items: Iterable, here: Callable | None = None) -> Iterator:
        items = list(items)
        if not items:
            return iter(())
        self._connect()
        return self._ordered(setup, items)

    def _connect(self) -> None:
        global _ray_users
        with _ray_lock:
            if self.started:
                return
            if not self.ray.is_initialized():
                start_ray(self.address, self.num_cpus)
            elif not _ray_users:
                return  # someone else's Ray
            _ray_users += 1
            self.started = True

    def _ordered(self, setup: Setup, items: list) -> Iterator:
        """Results in item order, the items dealt round-robin with two queued per actor; the
        actors are killed once the results are consumed (or the consumer stops early). The actors
        reserve no CPU, so busy CPUs (other jobs, other engines) cannot keep them from starting;
        their number, the cluster's CPUs, bounds the parallelism."""
        cpus = int(self.ray.cluster_resources().get("CPU", 1))
        worker = self.ray.remote(num_cpus=0, scheduling_strategy="SPREAD")(_Worker)  # SPREAD: over every node
        actors = [worker.remote(setup, os.getcwd()) for _ in range(max(1, min(cpus, len(items))))]
        pending: deque = deque()
        try:
            for number, item in enumerate(items):
                pending.append(actors[number % len(actors)].run.remote(item))
                if len(pending) == 2 * len(actors):
                    yield self.ray.get(pending.popleft())
            while pending:
                yield self.ray.get(pending.popleft())
        finally:
            for actor in actors:
                self.ray.kill(actor)

    def close(self) -> None:
        global _ray_users
        with _ray_lock:
            if self.started:
                self.started = False
                _ray_users -= 1
                if not _ray_users:
                    self.ray.shutdown()


class _Worker:
    """A Ray actor: builds its function once, then applies it to every item it is sent. It works
    in the driver's directory, so relative paths (files, ``--index``) mean the same on both sides."""

    def __init__(self, setup: Setup, cwd: str):
        os.chdir(cwd)
        self.work = setup()

    def run(self, item):
        return self.work(item)


def make_engine(settings) -> Engine:
    """The engine named by ``settings.engine`` (a Ray engine connects lazily)."""
    return RayEngine(settings.ray_address) if settings.engine == "ray" else LocalEngine()


def import_ray():
    try:
        import ray
    except ImportError as exc:
        raise EngineUnavailable("engine 'ray' needs Ray, which is not installed: pip install 'surveyqa[ray]'") from exc
    return ray


def start_ray(address: str = "", num_cpus: int | None = None) -> None:
    """Connect to the Ray cluster at ``address``, or start a local one with ``num_cpus`` (default:
    every CPU this process may use), trying twice: a cold first start can time out on a busy machine.
    Off the main thread it starts on ``_starter``: Ray's processes die with the thread that started
    them (``PR_SET_PDEATHSIG``), and a UI or pool thread may end before they should."""
    if threading.current_thread() is threading.main_thread():
        _start_ray(address, num_cpus)
    else:
        _starter.submit(_start_ray, address, num_cpus).result()


def _start_ray(address: str, num_cpus: int | None) -> None:
    ray = import_ray()
    env = {name: os.environ.get(name, value) for name, value in WORKER_ENV.items()}
    options: dict = {"address": address or "local",  # "local": a new Ray even when RAY_ADDRESS is set
                     "runtime_env": {"env_vars": env}, "log_to_driver": False, "logging_level": logging.WARNING}
    if not address:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline tool: no usage reports
        options.update(num_cpus=num_cpus or len(os.sched_getaffinity(0)), include_dashboard=False)
    error: Exception | None = None
    for _ in range(1 if address else 2):
        try:
            ray.init(**options)
            return
        except Exception as exc:  # Ray raises several types (timeouts, connection errors) for one failure
            error = exc
            ray.shutdown()
    if address:
        raise EngineUnavailable(
            f"could not connect to the Ray cluster at {address} ({type(error).__name__}: {error}); a cluster with "
            "token authentication (Ray's default) needs RAY_AUTH_MODE=token and its token (~/.ray/auth_token or "
            "RAY_AUTH_TOKEN) here") from error
    raise EngineUnavailable(f"could not start a local Ray after two tries ({type(error).__name__}: {error}); "
                            "try again, or use engine 'local'") from error
