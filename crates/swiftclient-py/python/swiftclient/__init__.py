"""OpenStack Swift client: python-swiftclient's ``Connection`` on a Rust engine.

``from swiftclient import Connection`` and ``from swiftclient.client import Connection`` work as
with python-swiftclient 4.11, as do ``swiftclient.ClientException`` and
``swiftclient.exceptions.ClientException``. Requests are made by the ``swiftclient`` Rust crate
(PyO3 module ``swiftclient._native``) with the GIL released.
"""

from swiftclient import _native
from swiftclient.client import Connection, logger
from swiftclient.exceptions import ClientConnectionError, ClientException, ClientTimeout

__all__ = ["Connection", "ClientException", "ClientConnectionError", "ClientTimeout",
           "logger", "__version__"]

#: The version of this package (its engine's crate version).
__version__ = _native.__version__
