"""The stack's data key, kept in memory: read, or stored once (create-only), as SSM does."""

import threading


class FakeDataKeyStore:
    def __init__(self) -> None:
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "FakeDataKeyStore()"  # never the key

    def read(self) -> bytes | None:
        with self._lock:
            return self._key

    def create(self, key: bytes) -> bool:
        with self._lock:
            if self._key is not None:
                return False  # SSM's ParameterAlreadyExists: the first key stays
            self._key = bytes(key)
            return True
