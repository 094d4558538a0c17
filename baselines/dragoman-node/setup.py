# setup.cfg holds the metadata; this stays for setuptools versions without PEP 517 defaults.
from setuptools import setup

setup()
