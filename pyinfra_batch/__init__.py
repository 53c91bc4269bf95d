"""Many pyinfra facts in one round trip: the queries run in parallel on the target.

pyinfra reads each fact with its own remote command, one after the other, so a plan
that needs ten facts waits for ten round trips (and ten docker CLI start-ups in a row).
`read_facts` sends every query's command in one shell script that runs them side by
side, then parses each output with its own fact class exactly as pyinfra would. The
operations keep their shape: they call `get_fact` on what they are given (`facts or
host`), and a query that was not batched, or whose command failed, is simply asked
again through `host.get_fact`, so pyinfra's own error reporting still applies.
"""

from __future__ import annotations

from pyinfra_batch.batch import Query, Readings, read_facts

__all__ = ["Query", "Readings", "read_facts"]
