"""Reference API for the dev stack."""
