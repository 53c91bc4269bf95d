# devstack-local/pgadmin4 defaults. Settings from PGADMIN_CONFIG_<NAME> variables
# are written by the entrypoint to /etc/pgadmin/config_system.py (loaded later,
# so they win), as in dpage/pgadmin4.
HELP_PATH = '../../docs/en_US/_build/html/'
MINIFY_HTML = False
SERVER_MODE = True
DATA_DIR = '/var/lib/pgadmin'
LOG_FILE = '/dev/null'
UPGRADE_CHECK_ENABLED = False
CA_FILE = '/etc/ssl/certs/ca-certificates.crt'
DEFAULT_BINARY_PATHS = {'pg': '/usr/lib/postgresql/17/bin', 'pg-17': '/usr/lib/postgresql/17/bin'}
