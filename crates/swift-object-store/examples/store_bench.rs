//! One operation through `SwiftStore` or straight through `swiftclient::Connection`, for
//! `scripts/bench` to time the two side by side (`bench/bench.py --steps objectstore`).
//!
//! ```text
//! store_bench <store|conn> put  <container> <object> <file>   # the file is read into memory first
//! store_bench <store|conn> get  <container> <object> <file>   # streamed into the file
//! store_bench <store|conn> list <container>                   # prints the object count
//! ```
//!
//! Credentials come from `ST_AUTH`/`ST_USER`/`ST_KEY` (or `OS_*`), as for `swift`.

use std::error::Error;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use swift_object_store::SwiftStore;
use swiftclient::{ConnectionBuilder, ListOptions};
use tokio::io::AsyncWriteExt;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

fn usage() -> Box<dyn Error + Send + Sync> {
    "usage: store_bench <store|conn> <put|get> <container> <object> <file> | <store|conn> list <container>"
        .into()
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (via, op, container) = match &args[..] {
        [v, o, c, ..] => (v.as_str(), o.as_str(), c.as_str()),
        _ => return Err(usage()),
    };
    let conn = ConnectionBuilder::from_env()?.build()?;
    let store = SwiftStore::new(conn.clone(), container);
    match (via, op, &args[3..]) {
        ("store", "put", [object, file]) => {
            let data = Bytes::from(std::fs::read(file)?);
            store
                .put(&Path::from(object.as_str()), PutPayload::from(data))
                .await?;
        }
        ("conn", "put", [object, file]) => {
            let data = Bytes::from(std::fs::read(file)?);
            conn.put_object(container, object, data).await?;
        }
        ("store", "get", [object, file]) => {
            let mut out = tokio::fs::File::create(file).await?;
            let mut stream = store.get(&Path::from(object.as_str())).await?.into_stream();
            while let Some(chunk) = stream.try_next().await? {
                out.write_all(&chunk).await?;
            }
            out.flush().await?;
        }
        ("conn", "get", [object, file]) => {
            let mut out = tokio::fs::File::create(file).await?;
            let obj = conn.get_object(container, object).await?;
            obj.body.write_to(&mut out).await?;
        }
        ("store", "list", []) => {
            let n = store
                .list(None)
                .try_fold(0u64, |n, _| async move { Ok(n + 1) })
                .await?;
            println!("{n}");
        }
        ("conn", "list", []) => {
            let n = conn
                .container_entries(container, ListOptions::new())
                .try_fold(0u64, |n, _| async move { Ok(n + 1) })
                .await?;
            println!("{n}");
        }
        _ => return Err(usage()),
    }
    Ok(())
}
