"""Following another service's event feed, exactly once.

A `Follower` reads pages from a `Source` (an upstream service's `/v1/events` over HTTP, or
this service's own log) and hands each page to a `Sink`, which applies the events and
records the page's end position in the same database transaction. A crash before the commit
repeats the page; after it, the page is never read again. Only the holder of the upstream's
`Leadership` follows it, so replicas do not race.
"""

from libs.platform.follower.gauges import FollowerCollector, FollowersInFiles
from libs.platform.follower.leadership import (
    FileLeadership,
    Leadership,
    PostgresLeadership,
    leadership_for,
)
from libs.platform.follower.runner import Follower, FollowerStatus, rebuild
from libs.platform.follower.sinks import (
    ApplicationSink,
    PositionMoved,
    SqlSink,
    UnitOfWork,
    follower_positions_table,
)
from libs.platform.follower.sources import (
    FeedEvent,
    HttpSource,
    LocalSource,
    Page,
    Source,
    UpstreamUnavailable,
)

# A follower backs off with the runtime's one back-off; named here with its other options.
from libs.platform.runtime.loop import Backoff

__all__ = [
    "ApplicationSink",
    "Backoff",
    "FeedEvent",
    "FileLeadership",
    "Follower",
    "FollowerCollector",
    "FollowerStatus",
    "FollowersInFiles",
    "HttpSource",
    "Leadership",
    "LocalSource",
    "Page",
    "PositionMoved",
    "PostgresLeadership",
    "Source",
    "SqlSink",
    "UnitOfWork",
    "UpstreamUnavailable",
    "follower_positions_table",
    "leadership_for",
    "rebuild",
]
