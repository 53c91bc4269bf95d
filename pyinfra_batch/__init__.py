"""Many pyinfra facts in one round trip: the queries run side by side on the target.

pyinfra reads each fact with its own remote command, one after the other, so a plan
that needs ten facts waits for ten round trips (and ten docker CLI start-ups in a row).
`FactBatch` sends every part's command in one shell script that runs them in parallel,
then parses each output with its own fact class exactly as pyinfra would (status.py
uses it directly). `read_facts` wraps it for operations: they call `get_fact` on what
they are given (`readings or host`), and a query that was not batched, or whose part
failed, is asked again through `host.get_fact`, so pyinfra's own error reporting applies.

- ``script``: the shell script and the parsing of its output (pure)
- ``fact``: FactBatch, Part, PartError
- ``batch``: Query, Readings, read_facts
"""

from __future__ import annotations

from pyinfra_batch.batch import Query, Readings, read_facts
from pyinfra_batch.fact import FactBatch, Part, PartError

__all__ = ["FactBatch", "Part", "PartError", "Query", "Readings", "read_facts"]
