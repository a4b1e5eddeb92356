//! The security model: actions on a non-loopback address need a token; with a token every
//! request needs it (bearer or basic auth) and a POST still needs the CSRF token; every answer
//! carries the protective headers. (The CSRF and read-only refusals of a redrive, with nothing
//! changed, are in `dead_letters.rs`.)

mod support;

use eventbus_console::{Console, ConsoleConfig, ConsoleError};
use eventbus_runtime::settings::Secret;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_off_loopback_need_a_token() {
    let settings = kafka_settings(&unique_prefix("security"));
    let mut config = ConsoleConfig::new("0.0.0.0:0".parse().expect("addr"), settings.clone());
    config.actions = true;
    let refused = Console::bind(config.clone()).await.expect_err("refused");
    assert!(
        matches!(refused, ConsoleError::TokenRequired { .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("--token-env"), "{refused}");
    config.token = Some(Secret::new(""));
    assert!(matches!(
        Console::bind(config).await,
        Err(ConsoleError::EmptyToken)
    ));
    // Read-only on any address, and actions on loopback, need none.
    let read_only = ConsoleConfig::new("0.0.0.0:0".parse().expect("addr"), settings.clone());
    drop(Console::bind(read_only).await.expect("read-only starts"));
    let mut loopback = ConsoleConfig::new("127.0.0.1:0".parse().expect("addr"), settings);
    loopback.actions = true;
    drop(Console::bind(loopback).await.expect("loopback starts"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_host_name_is_refused_on_loopback() {
    let console = start_read_only(&unique_prefix("security")).await;
    let url = format!("{}/catalog", console.base);
    let response = client()
        .get(&url)
        .header("host", "rebound.example")
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 403);
    assert!(response
        .text()
        .await
        .expect("a body")
        .contains("answers only to its address or localhost"));
    assert_eq!(get(&url).await.0, 200);
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_guards_every_request() {
    let secret = "console-token-7f3a";
    let mut config = ConsoleConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        kafka_settings(&unique_prefix("security")),
    );
    config.actions = true;
    config.token = Some(Secret::new(secret));
    let console = start(config).await;
    let url = format!("{}/catalog", console.base);
    let client = client();
    let status = |auth: Option<String>| {
        let mut request = client.get(&url);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        async move {
            let response = request.send().await.expect("an answer");
            (
                response.status().as_u16(),
                response
                    .headers()
                    .get("www-authenticate")
                    .map(|v| v.to_str().unwrap_or_default().to_owned()),
                response.text().await.expect("a body"),
            )
        }
    };
    let (code, challenge, body) = status(None).await;
    assert_eq!(code, 401);
    assert_eq!(
        challenge.as_deref(),
        Some("Basic realm=\"eventbus console\"")
    );
    assert!(!body.contains("event types"));
    assert_eq!(status(Some("Bearer wrong".into())).await.0, 401);
    assert_eq!(status(Some(format!("Bearer {secret}x"))).await.0, 401);
    assert_eq!(status(Some(format!("Bearer {secret}"))).await.0, 200);
    use base64::Engine;
    let basic = |pair: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    };
    assert_eq!(status(Some(basic(&format!("ops:{secret}")))).await.0, 200);
    assert_eq!(status(Some(basic("ops:nope"))).await.0, 401);
    // The token is not a CSRF token: a POST with it alone is refused.
    let (code, body) = post(
        &format!("{}/dead-letters/orders/redrive", console.base),
        &[("letter", "0/0")],
        Some(&format!("Bearer {secret}")),
    )
    .await;
    assert_eq!(code, 403, "{body}");
    assert!(body.contains("CSRF"));
    // Without the token, refused before anything else.
    let (code, _) = post(
        &format!("{}/dead-letters/orders/redrive", console.base),
        &[("letter", "0/0")],
        None,
    )
    .await;
    assert_eq!(code, 401);
    // The protective headers, the token never in a page.
    let response = client
        .get(&url)
        .header("authorization", format!("Bearer {secret}"))
        .send()
        .await
        .expect("an answer");
    let headers = response.headers().clone();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .expect("ascii")
        .contains("default-src 'self'"));
    assert!(!response.text().await.expect("a body").contains(secret));
    console.stop().await;
}
