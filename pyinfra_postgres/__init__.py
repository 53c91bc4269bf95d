"""Reusable pyinfra building blocks for a Postgres server run by Docker (compose or not):
pure command builders (commands.py), password verifiers computed here (scram.py),
facts (facts.py) and thin operations (operations.py). Nothing here knows this repository."""
