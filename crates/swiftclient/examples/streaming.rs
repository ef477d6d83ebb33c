//! A 10 MB streamed upload and download (the second usage example of python-swiftclient's
//! spec): the data goes up from a reader of known length and comes down chunk by chunk, so
//! memory stays bounded.
//!
//! Run: `eval "$(bash testbed/swift/start)"; cargo run -p swiftclient --example streaming`

use std::io::Write;

use swiftclient::{Body, Connection};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() -> Result<(), swiftclient::Error> {
    let conn = Connection::builder()
        .auth_url(env_or("ST_AUTH", "http://127.0.0.1:8080/auth/v1.0"))
        .user(env_or("ST_USER", "test:tester"))
        .key(env_or("ST_KEY", "testing"))
        .build()?;
    conn.put_container("documents").await?;

    // Upload large data with streaming: 10 MB of 'x' from a reader, 64 KiB at a time.
    const SIZE: u64 = 10_000_000;
    let reader = tokio::io::repeat(b'x');
    let body = Body::reader(reader, Some(SIZE)).with_chunk_size(65_536);
    let put = conn.put_object("documents", "large-file.dat", body).await?;
    println!("Uploaded with ETag: {}", put.etag().unwrap_or(""));

    // Download with streaming
    let mut obj = conn.get_object("documents", "large-file.dat").await?;
    let mut total_bytes = 0u64;
    while let Some(chunk) = obj.body.chunk().await? {
        total_bytes += chunk.len() as u64;
        print!("Downloaded {total_bytes} bytes\r");
        let _ = std::io::stdout().flush();
    }
    println!("\nTotal downloaded: {total_bytes} bytes");
    assert_eq!(total_bytes, SIZE);

    conn.delete_object("documents", "large-file.dat").await?;
    conn.delete_container("documents").await?;
    Ok(())
}
