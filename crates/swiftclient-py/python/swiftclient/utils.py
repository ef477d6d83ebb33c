"""Helpers shared by the modules of this package."""

__all__ = ["LowerKeyCaseInsensitiveDict"]


def _lower(key):
    return key.lower() if isinstance(key, str) else key


class LowerKeyCaseInsensitiveDict(dict):
    """A ``dict`` of headers whose keys are lower-case and looked up case-insensitively.

    ``headers['X-Trans-Id']`` and ``headers['x-trans-id']`` are the same entry; iteration,
    ``keys()`` and ``items()`` give lower-case names (python-swiftclient's
    ``LowerKeyCaseInsensitiveDict``). It is a real ``dict``, so ``json.dumps`` and
    ``dict(headers)`` work as expected.
    """

    def __init__(self, data=None, **kwargs):
        super().__init__()
        self.update(data or (), **kwargs)

    def __setitem__(self, key, value):
        super().__setitem__(_lower(key), value)

    def __getitem__(self, key):
        return super().__getitem__(_lower(key))

    def __delitem__(self, key):
        super().__delitem__(_lower(key))

    def __contains__(self, key):
        return super().__contains__(_lower(key))

    def get(self, key, default=None):
        return super().get(_lower(key), default)

    def pop(self, key, *default):
        return super().pop(_lower(key), *default)

    def setdefault(self, key, default=None):
        return super().setdefault(_lower(key), default)

    def update(self, data=(), **kwargs):
        items = data.items() if hasattr(data, 'items') else data
        for key, value in items:
            self[key] = value
        for key, value in kwargs.items():
            self[key] = value

    def copy(self):
        return LowerKeyCaseInsensitiveDict(self)

    def __repr__(self):
        return '%s(%s)' % (type(self).__name__, dict.__repr__(self))
