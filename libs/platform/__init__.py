"""What every Redress service needs around its domain; nothing here knows about complaints.

Each folder is a floor that uses only the floors below it (`tests/unit/test_layers.py`
holds the order):

- `runtime/`: process-wide basics: random ids, values as JSON, JSON logs, the garbage
  collector's settings, Prometheus collectors, and `loop.py`: the one background-loop
  helper every runner uses.
- `sql/`: database URLs, SQLAlchemy engines and bulk row writes, alembic migrations,
  PostgreSQL array literals, and which failures mean the database is away (`outages.py`).
- `eventstore/`: the event store of a service: stored-event reads on each database, the
  transcoder, group commit, the feed reader; `integrity/` beneath it holds tamper evidence
  (the hash chain, its recorders one per database, Merkle checkpoints, verification);
  `application.py` wires them into an `eventsourcing` Application.
- `follower/`: following another service's feed exactly once, with leadership, and its
  gauges.
- `http/`: the FastAPI app every service builds, problem documents, API keys, idempotency,
  rate and size limits, availability, health, request metrics, the JSON response for
  Python values and the feed router.
"""
