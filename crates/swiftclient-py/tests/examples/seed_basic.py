# The seed's first usage example (../../../shared/spec), as written: only the auth URL and
# the credentials point at the Keystone test bed (user `functester`, Default domain).
from swiftclient import Connection
conn = Connection(
authurl='http://127.0.0.1:5000/v3',
user='functester',
key='functester-secret',
auth_version='3',
os_options={'project_name': 'functest'}
)
# Account operations
account_headers = conn.head_account()
print(f"Account has {account_headers['x-account-container-count']} containers")
headers, containers = conn.get_account()
for container in containers:
    print(f"Container: {container['name']}, Objects: {container['count']}")
# Container operations
conn.put_container('documents')
conn.put_container('images', headers={'X-Container-Read': '.r:*'})
headers, objects = conn.get_container('documents')
for obj in objects:
    print(f"Object: {obj['name']}, Size: {obj['bytes']}")
# Object operations
conn.put_object('documents', 'readme.txt', 'Hello, World!')
headers, content = conn.get_object('documents', 'readme.txt')
print(content.decode('utf-8'))
# Set object metadata
conn.post_object('documents', 'readme.txt', {'X-Object-Meta-Author': 'John Doe'})
# Copy object
conn.copy_object('documents', 'readme.txt', '/documents/readme-copy.txt')
# Cleanup
conn.delete_object('documents', 'readme.txt')
conn.delete_object('documents', 'readme-copy.txt')
conn.delete_container('documents')
conn.close()
