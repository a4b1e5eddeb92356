//! `eventbus console`: refused with --actions on a non-loopback address without a token, or a
//! --token-env naming an unset variable (exit 2, saying why); served on the test services, it
//! answers its pages and SIGTERM ends it with 0. (The pages themselves are tested in
//! `eventbus-console/tests/`.)

mod support;

use std::io::BufRead;
use std::process::Stdio;
use std::time::Duration;
use support::*;

#[test]
fn refusals() {
    let out = run(eventbus_on_services().args(["console", "--addr", "0.0.0.0:0", "--actions"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("refusing to serve actions on 0.0.0.0:0 without a token"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--token-env"), "{}", out.stderr);

    let out = run(eventbus_on_services()
        .env_remove("EVENTBUS_CONSOLE_TEST_UNSET")
        .args(["console", "--token-env", "EVENTBUS_CONSOLE_TEST_UNSET"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("the environment variable EVENTBUS_CONSOLE_TEST_UNSET is not set or empty"),
        "{}",
        out.stderr
    );
}

#[test]
fn serves_until_sigterm() {
    let mut child = eventbus_on_services_std()
        .args(["console", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let mut base = None;
    while base.is_none() {
        let line = received
            .recv_timeout(Duration::from_secs(30))
            .expect("the console says where it listens within 30 s");
        base = line
            .strip_prefix("eventbus console on ")
            .and_then(|rest| rest.split(' ').next())
            .map(str::to_owned);
        if base.is_some() {
            assert!(line.ends_with("(read-only)"), "{line}");
        }
    }
    let base = base.unwrap();
    let (status, page) = get(&format!("{base}/catalog")).expect("an answer");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("75 event types"), "{page}");
    assert_eq!(terminate(&mut child), 0);
    reader.join().unwrap();
}
