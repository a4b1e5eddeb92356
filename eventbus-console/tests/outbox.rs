//! The outbox page on a real outbox database (a SQLite file of the test: the shared MariaDB and
//! PostgreSQL hold other tests' rows, and the counts here are exact): pending, failing and
//! published rows per topic and in all, the last error (escaped), the oldest pending age; without an outbox configured, a note saying how to set one.

mod support;

use eventbus_console::ConsoleConfig;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_rows_per_topic() {
    let file = sqlite_outbox("outbox").await;
    let url = file.url.clone();
    file.insert("blocks", 3).await;
    file.insert("courses", 2).await;
    // One row of `blocks` failed twice (as the relay records it), one of `courses` published.
    let database = sqlx::SqlitePool::connect(&url).await.expect("the database");
    sqlx::query(
        "UPDATE eventbus_outbox SET attempts = 2, last_error = 'brokers down <b>x</b>' \
         WHERE id = (SELECT MIN(id) FROM eventbus_outbox WHERE topic = 'blocks')",
    )
    .execute(&database)
    .await
    .expect("a failure recorded");
    sqlx::query(
        "UPDATE eventbus_outbox SET published_at_us = 1 \
         WHERE id = (SELECT MIN(id) FROM eventbus_outbox WHERE topic = 'courses')",
    )
    .execute(&database)
    .await
    .expect("a row published");
    database.close().await;

    let prefix = unique_prefix("outbox");
    let mut config = ConsoleConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        kafka_settings(&prefix),
    );
    config.outbox_url = Some(url.clone());
    let console = start(config).await;
    let (status, page) = get(&format!("{}/outbox", console.base)).await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "<tr><th>Pending</th><td>4</td></tr>",
        "<tr><th>Failing</th><td>1</td></tr>",
        "<tr><th>Published (not purged)</th><td>1</td></tr>",
        "<tr><td>blocks</td><td>3</td><td>1</td>",
        "<td>brokers down &#60;b&#62;x&#60;/b&#62;</td>",
        "<tr><td>courses</td><td>1</td><td>0</td>",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    assert_eq!(count(&page, "<tr><td>"), 2, "{page}");
    let (_, overview) = get(&console.base).await;
    assert!(
        overview.contains(&format!("<code>{url}</code>")),
        "{overview}"
    );
    console.stop().await;

    let console = start_read_only(&prefix).await;
    let (status, page) = get(&format!("{}/outbox", console.base)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("No outbox is configured"), "{page}");
    console.stop().await;
}
