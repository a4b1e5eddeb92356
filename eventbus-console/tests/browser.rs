//! The console in a real browser (Debian's headless Chromium through chromedriver, see
//! [`webdriver`]), used as a person would on real data: four events on a Kafka topic, two of
//! them dead-lettered, entries on a Redis stream, rows in an outbox, a consumer group with a lag.
//! It opens each page from the navigation, filters the explorer by event type (exactly the
//! matching events are shown), opens an event, ticks a dead letter, confirms its redrive with the
//! buttons, finds the overview's charts (sampled every second), and finds the letter back on its
//! source topic (read with the runtime's reader). A screenshot of each page, at a fixed size, is
//! written to the test's target directory (`console-screenshots/`), and to the README's
//! `docs/console/` with `EVENTBUS_UPDATE_SCREENSHOTS=1` (a test run leaves the checkout as it was).
//!
//! It needs /usr/bin/chromium and /usr/bin/chromedriver (`scripts/services.sh up` installs
//! them) and fails saying so when they are missing.

mod support;
mod webdriver;

use eventbus_console::ConsoleConfig;
use eventbus_runtime::kafka::headers::ID;
use eventbus_runtime::redis::RedisProducer;
use fantoccini::Locator;
use std::path::PathBuf;
use support::*;
use webdriver::Browser;

/// Where the screenshots go: `docs/console/` of the repository when asked to update them
/// (`EVENTBUS_UPDATE_SCREENSHOTS=1`), else the target directory, so that a test run does not
/// change the checkout.
fn screenshots() -> PathBuf {
    if std::env::var("EVENTBUS_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/console")
    } else {
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_browses_filters_and_redrives_a_dead_letter() {
    // The data: four events, two of them dead-lettered, Redis entries, outbox rows, a group.
    // A short prefix, for readable screenshots.
    let prefix = format!("demo-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let settings = kafka_settings(&prefix);
    create_topic(&settings, "blocks", 1).await;
    create_topic(&settings, "blocks-dead-letter", 1).await;
    let source = settings.full_topic("blocks");
    let producer = producer(&prefix);
    for (event_type, block) in [
        (PUBLISHED, "intro"),
        (DELETED, "quiz"),
        (PUBLISHED, "video"),
        (DELETED, "survey"),
    ] {
        produce(&producer, "blocks", event_type, block).await;
    }
    let originals = messages(&settings, &source).await;
    assert_eq!(originals.len(), 4);
    send_dead_letters(
        &settings,
        &source,
        "blocks-dead-letter",
        &originals[..2],
        &["receiver_failed", "unknown_event_type"],
    )
    .await;
    commit_offset(&format!("{prefix}-lms"), &source, 0, 1);
    let redis = redis_settings(&prefix);
    let redis_producer = RedisProducer::new(&redis).await.expect("a producer");
    for (event_type, block) in [(PUBLISHED, "intro"), (DELETED, "quiz")] {
        produce_redis(&redis_producer, "blocks", event_type, block).await;
    }
    redis_pending(&redis.full_topic("blocks"), "lms", 1).await;
    let outbox = sqlite_outbox("browser").await;
    outbox.insert("blocks", 2).await;

    let mut config = ConsoleConfig::new("127.0.0.1:0".parse().expect("addr"), settings.clone());
    config.actions = true;
    config.redis = Some(redis);
    config.outbox_url = Some(outbox.url.clone());
    config.sample_interval = std::time::Duration::from_secs(1);
    let console = start(config).await;
    let browser = Browser::start().await;
    let shots = screenshots();

    // Overview.
    browser.open(&console.base).await;
    browser.heading("Overview").await;
    let topics = browser.texts("#topics td:first-child").await;
    assert!(topics.contains(&source), "{topics:?}");
    let groups = browser.texts("#groups td:first-child").await;
    assert_eq!(groups, [format!("{prefix}-lms")]);

    // Catalog, and an event type's page.
    browser.follow("Catalog").await;
    browser.heading("Catalog").await;
    browser.screenshot(&shots, "catalog").await;
    browser.follow(DELETED).await;
    browser.heading(DELETED).await;
    browser.screenshot(&shots, "catalog-event").await;

    // Outbox.
    browser.follow("Outbox").await;
    browser.heading("Outbox").await;
    browser.screenshot(&shots, "outbox").await;

    // Explorer: the topics, the newest events, filtered by event type.
    browser.follow("Explorer").await;
    browser.heading("Explorer").await;
    browser.screenshot(&shots, "explorer-topics").await;
    browser.follow("blocks").await;
    browser.heading(&source).await;
    assert_eq!(browser.texts("tr.event").await.len(), 4);
    browser.fill("event_type", DELETED).await;
    browser
        .click(Locator::XPath("//form//button[normalize-space(.)='Show']"))
        .await;
    browser.url_contains("event_type=").await;
    browser.heading(&source).await;
    assert_eq!(
        browser.texts("tr.event td:nth-child(2)").await,
        [DELETED, DELETED],
        "exactly the deleted events"
    );
    assert_eq!(
        browser.texts("tr.event td:nth-child(3)").await,
        [usage_key("survey"), usage_key("quiz")],
        "newest first"
    );
    browser.screenshot(&shots, "explorer-events").await;

    // An event's page: its fields.
    browser.follow("0/3").await;
    browser.heading(DELETED).await;
    let page = browser.text("main").await;
    for expected in [
        usage_key("survey").as_str(),
        "ce_type",
        "Python signal",
        "XBLOCK_DELETED",
        "Schema id",
        "Raw bytes",
    ] {
        assert!(page.contains(expected), "{expected}: {page}");
    }
    let id = originals[3].header(ID).expect("an id");
    assert!(page.contains(&id), "the event's id {id}: {page}");
    browser.screenshot(&shots, "explorer-event").await;

    // Redis: the streams, a stream's entries.
    browser.follow("Redis").await;
    browser.heading("Redis").await;
    browser.screenshot(&shots, "redis-streams").await;
    browser.follow("blocks").await;
    browser.heading("blocks").await;
    assert_eq!(browser.texts("tr.entry").await.len(), 2);
    browser.screenshot(&shots, "redis-entries").await;

    // Dead letters: tick the second, confirm, redrive.
    browser.follow("Dead letters").await;
    browser.heading("Dead letters").await;
    browser.follow("blocks").await;
    browser.heading("Dead letters of blocks").await;
    assert_eq!(browser.texts("tr.letter").await.len(), 2);
    browser.screenshot(&shots, "dead-letters").await;
    browser
        .click(Locator::Css("input[name=\"letter\"][value=\"0/1\"]"))
        .await;
    browser
        .click(Locator::XPath(
            "//button[contains(., 'Redrive the selected letters')]",
        ))
        .await;
    browser.heading("Redrive 1 dead letter(s)").await;
    assert_eq!(
        browser.texts("tr.letter td:first-child").await,
        ["0/1"],
        "the letter ticked"
    );
    browser.screenshot(&shots, "dead-letters-confirm").await;
    browser.click(Locator::Css("#redrive button")).await;
    browser.heading("Redriven 1 of 1 dead letter(s)").await;
    browser.screenshot(&shots, "dead-letters-redriven").await;

    // Back to the overview: the charts of the rates and the lag, sampled meanwhile.
    browser.follow("Overview").await;
    browser.heading("Overview").await;
    // The group's lag went from 3 to 4 with the redriven letter.
    browser.reload_until("#groups td.lag", "4 (max 4)").await;
    assert_eq!(browser.texts("#topics svg.chart").await.len(), 2);
    browser.screenshot(&shots, "overview").await;
    browser.close().await;
    console.stop().await;

    // The letter is back on its source topic: the quiz's deletion, unchanged.
    let after = messages(&settings, &source).await;
    assert_eq!(after.len(), 5, "exactly one letter redriven");
    assert_eq!(after[4].header(ID), originals[1].header(ID));
    assert_eq!(after[4].value, originals[1].value);
    assert_eq!(after[4].key, originals[1].key);
}
