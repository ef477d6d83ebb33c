# The seed's second usage example (streaming), as written. It uses the `conn` of the first
# example and its 'documents' container, which the first example deletes at its end: the
# preamble makes both again, and the postamble removes what the example leaves.

# --- preamble (not part of the seed) ---
from swiftclient import Connection
conn = Connection(authurl='http://127.0.0.1:5000/v3', user='functester',
                  key='functester-secret', auth_version='3',
                  os_options={'project_name': 'functest'})
conn.put_container('documents')
# --- the seed's example ---
import io
# Upload large file with streaming
large_data = io.BytesIO(b'x' * 10000000) # 10MB of data
etag = conn.put_object(
'documents',
'large-file.dat',
large_data,
content_length=10000000,
chunk_size=65536
)
print(f"Uploaded with ETag: {etag}")
# Download with streaming
headers, content = conn.get_object('documents', 'large-file.dat', resp_chunk_size=65536)
total_bytes = 0
for chunk in content:
    total_bytes += len(chunk)
    print(f"Downloaded {total_bytes} bytes", end='\r')
print(f"\nTotal downloaded: {total_bytes} bytes")
# --- postamble (not part of the seed) ---
conn.delete_object('documents', 'large-file.dat')
conn.delete_container('documents')
