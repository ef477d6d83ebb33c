"""Type stubs of ``swiftclient._native``, the Rust engine behind ``swiftclient.client``."""

from typing import Any, Callable, Iterator, List, Optional, Tuple, Union

__version__: str

HeaderList = List[Tuple[str, str]]
Attempt = Tuple[Optional[int], str, HeaderList]
Resp = Tuple[int, str, HeaderList, List[Attempt]]
BodySpec = Tuple[Any, ...]

def set_tick(seconds: float) -> None:
    """How often a waiting call checks for Ctrl-C (default 0.1 s)."""

class Body:
    """A streamed object body: ``read(n)`` gives exactly ``n`` bytes unless it ends first."""
    attempts: int
    bytes_read: int
    content_length: Optional[int]
    def read(self, n: Optional[int] = None) -> bytes: ...
    def __iter__(self) -> Iterator[bytes]: ...
    def __next__(self) -> bytes: ...
    def close(self) -> None: ...

class Connection:
    url: Optional[str]
    token: Optional[str]
    def __init__(
        self,
        *,
        authurl: Optional[str] = None,
        user: Optional[str] = None,
        key: Optional[str] = None,
        retries: int = 5,
        preauthurl: Optional[str] = None,
        preauthtoken: Optional[str] = None,
        snet: bool = False,
        starting_backoff: float = 1.0,
        max_backoff: float = 64.0,
        tenant_name: Optional[str] = None,
        os_options: Optional[dict] = None,
        auth_version: str = "1",
        cacert: Optional[str] = None,
        insecure: bool = False,
        cert: Optional[str] = None,
        cert_key: Optional[str] = None,
        retry_on_ratelimit: bool = True,
        timeout: Optional[float] = None,
        force_auth_retry: bool = False,
        auth_callback: Optional[Callable[[], Tuple[Optional[str], str]]] = None,
        invalidate_callback: Optional[Callable[[], Any]] = None,
        user_agent: Optional[str] = None,
    ) -> None: ...
    def set_credentials(self, url: Optional[str], token: Optional[str]) -> None: ...
    def invalidate_token(self) -> None: ...
    def get_auth(self) -> Tuple[str, str]: ...
    def get_capabilities(self, url: Optional[str] = None) -> bytes: ...
    def head_account(self, headers: Optional[HeaderList] = None) -> Resp: ...
    def get_account(self, marker: Optional[str] = None, limit: Optional[int] = None,
                    prefix: Optional[str] = None, end_marker: Optional[str] = None,
                    delimiter: Optional[str] = None, full_listing: bool = False,
                    headers: Optional[HeaderList] = None) -> Tuple[Resp, str]: ...
    def post_account(self, headers: Optional[HeaderList] = None,
                     query_string: Optional[str] = None,
                     data: Optional[bytes] = None) -> Tuple[Resp, bytes]: ...
    def head_container(self, container: str,
                       headers: Optional[HeaderList] = None) -> Resp: ...
    def get_container(self, container: str, marker: Optional[str] = None,
                      limit: Optional[int] = None, prefix: Optional[str] = None,
                      delimiter: Optional[str] = None, end_marker: Optional[str] = None,
                      version_marker: Optional[str] = None, path: Optional[str] = None,
                      full_listing: bool = False, headers: Optional[HeaderList] = None,
                      query_string: Optional[str] = None) -> Tuple[Resp, str]: ...
    def put_container(self, container: str, headers: Optional[HeaderList] = None,
                      query_string: Optional[str] = None) -> Resp: ...
    def post_container(self, container: str,
                       headers: Optional[HeaderList] = None) -> Resp: ...
    def delete_container(self, container: str, headers: Optional[HeaderList] = None,
                         query_string: Optional[str] = None) -> Resp: ...
    def head_object(self, container: str, obj: str, headers: Optional[HeaderList] = None,
                    query_string: Optional[str] = None) -> Resp: ...
    def get_object(self, container: str, obj: str, headers: Optional[HeaderList] = None,
                   query_string: Optional[str] = None,
                   whole: bool = True,
                   checksum: bool = True) -> Tuple[Resp, Union[bytes, Body], int]: ...
    def put_object(self, container: str, obj: str, body: BodySpec,
                   content_type: Optional[str] = None, etag: Optional[str] = None,
                   content_length: Optional[int] = None,
                   headers: Optional[HeaderList] = None,
                   query_string: Optional[str] = None, checksum: bool = True) -> Resp: ...
    def post_object(self, container: str, obj: str,
                    headers: Optional[HeaderList] = None) -> Resp: ...
    def copy_object(self, container: str, obj: str, destination: Optional[str] = None,
                    headers: Optional[HeaderList] = None,
                    fresh_metadata: Optional[bool] = None) -> Resp: ...
    def delete_object(self, container: str, obj: str, headers: Optional[HeaderList] = None,
                      query_string: Optional[str] = None) -> Resp: ...
