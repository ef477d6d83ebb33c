//! Basic operations (the first usage example of python-swiftclient's spec), against the
//! cluster named by ST_AUTH / ST_USER / ST_KEY (the local test cluster by default).
//!
//! Run: `eval "$(bash testbed/swift/start)"; cargo run -p swiftclient --example basic`

use swiftclient::{Connection, CopyOptions, ListOptions, RequestHeaders, RequestOptions};

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

    // Account operations
    let account = conn.head_account().await?;
    println!(
        "Account has {} containers",
        account.headers().container_count().unwrap_or(0)
    );
    let containers = conn.get_account(&ListOptions::new()).await?;
    for c in &containers.entries {
        println!("Container: {}, Objects: {}", c.name, c.count);
    }

    // Container operations
    conn.put_container("documents").await?;
    conn.put_container_with(
        "images",
        &RequestOptions::new().header("X-Container-Read", ".r:*"),
    )
    .await?;
    let objects = conn.get_container("documents", &ListOptions::new()).await?;
    for o in &objects.entries {
        println!("Object: {}, Size: {}", o.name, o.bytes);
    }

    // Object operations
    conn.put_object("documents", "readme.txt", "Hello, World!")
        .await?;
    let content = conn
        .get_object("documents", "readme.txt")
        .await?
        .bytes()
        .await?;
    println!("{}", String::from_utf8_lossy(&content));

    // Set object metadata
    conn.post_object(
        "documents",
        "readme.txt",
        RequestHeaders::new().with("X-Object-Meta-Author", "John Doe"),
    )
    .await?;
    let head = conn.head_object("documents", "readme.txt").await?;
    println!(
        "Author: {}",
        head.headers().get("x-object-meta-author").unwrap_or("?")
    );

    // Copy object
    conn.copy_object_with(
        "documents",
        "readme.txt",
        &CopyOptions::new().destination("/documents/readme-copy.txt"),
    )
    .await?;
    let listing = conn.get_container("documents", &ListOptions::new()).await?;
    println!(
        "documents holds: {:?}",
        listing.entries.iter().map(|e| &e.name).collect::<Vec<_>>()
    );

    // Cleanup
    conn.delete_object("documents", "readme.txt").await?;
    conn.delete_object("documents", "readme-copy.txt").await?;
    conn.delete_container("documents").await?;
    conn.delete_container("images").await?;
    conn.close();
    Ok(())
}
