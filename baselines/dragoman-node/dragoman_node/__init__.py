"""Where a Dragoman node keeps its catalogues: read by the service, checked by bootstrap."""

__version__ = "1.1"

CATALOGUE_ROOT = "/srv/apps/dragoman/catalogues"
CONFIG_FILE = "/etc/dragoman/node.conf"
