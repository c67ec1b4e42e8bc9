"""One read-model rebuild, timed in a process of its own, as the operator's
`redress rebuild-read-models complaints` runs it.

The benchmark's own process holds everything the cells before it made (~200 MB by the
end of a full run). A rebuild forks its helpers, and a large parent made the forked
helpers slower to start writing (copy-on-write faults): the same rebuild measured ~10%
slower beside 120 MB of unrelated objects. The command runs in a fresh process, so the
benchmark times it in one.

    python -m bench.rebuild_process DATABASE_URL [PROCESSES]   # prints one JSON object
"""

from __future__ import annotations

import json
import sys
import time

from sqlalchemy import func, select


def main(argv: list[str]) -> None:
    from services.complaints.bootstrap import bootstrap
    from services.complaints.readmodel.helpers import default_processes
    from services.complaints.readmodel.tables import complaint_list
    from services.complaints.settings import ComplaintsSettings

    url = argv[0]
    processes = int(argv[1]) if len(argv) > 1 and int(argv[1]) > 0 else None
    service = bootstrap(ComplaintsSettings(database_url=url, db_pool_size=4))
    try:
        began = time.perf_counter()
        events = service.rebuild_read_models(processes=processes)
        seconds = time.perf_counter() - began
        with service.read_engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(complaint_list)).scalar()
    finally:
        service.stop()
    used = processes or default_processes()
    print(json.dumps({"events": events, "seconds": seconds, "rows": rows, "processes": used}))


if __name__ == "__main__":
    main(sys.argv[1:])
