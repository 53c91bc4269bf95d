"""The deploy of this repository's dev stack: settings, the .env, the file sync, the docker bootstrap."""
