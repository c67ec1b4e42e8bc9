"""The followers' Prometheus gauges: position, upstream head, lag and leader.

One process: `FollowerCollector` reads each follower's status at scrape time. Several
worker processes (`redress serve --workers`): `FollowersInFiles` copies it into
prometheus_client's multiprocess files on a background loop, since a scrape reaches only
one worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client import Gauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from libs.platform.follower.runner import Follower
from libs.platform.runtime.loop import BackgroundLoop


class FollowerCollector(Collector):
    """Prometheus gauges for a service's followers: position, upstream head, lag, leader."""

    def __init__(self, followers: Iterable[Follower]) -> None:
        self._followers = list(followers)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauges = {
            "position": GaugeMetricFamily(
                "redress_follower_position", "Last upstream position applied", labels=["follower"]
            ),
            "head": GaugeMetricFamily(
                "redress_follower_upstream_head", "Upstream's last position", labels=["follower"]
            ),
            "lag": GaugeMetricFamily(
                "redress_follower_lag", "Upstream events not yet applied", labels=["follower"]
            ),
            "leader": GaugeMetricFamily(
                "redress_follower_leader", "1 while this process leads", labels=["follower"]
            ),
        }
        for follower in self._followers:
            status = follower.status()
            gauges["position"].add_metric([status.name], status.position)
            gauges["head"].add_metric([status.name], status.head)
            gauges["lag"].add_metric([status.name], status.lag)
            gauges["leader"].add_metric([status.name], 1 if status.leader else 0)
        yield from gauges.values()


class FollowersInFiles:
    """The follower gauges among several worker processes (`redress serve --workers`).

    A scrape reaches one worker, and only one worker of all leads a follower, so each
    worker copies its followers' status into prometheus_client's files every second and a
    scrape reports the largest value of the live workers: the leader's. Workers that do not
    lead report zeros, so their stale positions never show.
    """

    PERIOD_SECONDS = 1.0

    def __init__(self, followers: Iterable[Follower]) -> None:
        self._followers = list(followers)
        names = ("position", "upstream_head", "lag", "leader")
        self._gauges = {
            name: Gauge(
                f"redress_follower_{name}",
                f"Follower {name.replace('_', ' ')} (the leading worker's)",
                ["follower"],
                registry=None,
                multiprocess_mode="livemax",
            )
            for name in names
        }
        # Published once on start, then every period.
        self._loop = BackgroundLoop(
            "follower-gauges", self.publish, interval=self.PERIOD_SECONDS, first_wait=None
        )

    def start(self) -> None:
        if self._followers:
            self.publish()
            self._loop.start()

    def stop(self) -> None:
        self._loop.stop()

    def publish(self) -> None:
        for follower in self._followers:
            status = follower.status()
            leads = status.leader
            values = {
                "position": status.position if leads else 0,
                "upstream_head": status.head if leads else 0,
                "lag": status.lag if leads else 0,
                "leader": 1 if leads else 0,
            }
            for name, value in values.items():
                self._gauges[name].labels(status.name).set(value)
