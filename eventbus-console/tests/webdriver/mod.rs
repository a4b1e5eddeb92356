//! A real browser for the console's browser test: Debian's Chromium, headless, driven through
//! WebDriver by chromedriver, which this module starts on 127.0.0.1 with a free port (in a
//! process group of its own, killed with the browser when the [`Browser`] is dropped, also when
//! the test fails). Every wait is bounded by [`WAIT`].

#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The longest any page, element or start-up is waited for.
pub const WAIT: Duration = Duration::from_secs(30);
/// The page's size in the window, so that screenshots are the same size on every machine.
pub const WINDOW: (u32, u32) = (1280, 900);

/// A program's path: the environment variable `variable` if set, else `default`.
fn program(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// Fail with how to install `path` when it is missing.
fn require(path: &Path, what: &str, variable: &str) {
    assert!(
        path.is_file(),
        "{what} is not installed at {}: the browser test needs Debian's chromium and \
         chromium-driver (scripts/services.sh up installs them, or apt-get install chromium \
         chromium-driver; {variable} names another path)",
        path.display()
    );
}

/// chromedriver, running; killed with its process group (the browser) when dropped.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and the browsers it started.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Driver {
    /// Start chromedriver on 127.0.0.1 and wait (at most [`WAIT`]) until it answers.
    async fn start() -> Driver {
        let path = program("EVENTBUS_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
        require(&path, "chromedriver", "EVENTBUS_TEST_CHROMEDRIVER");
        let port = free_port();
        let log = std::env::temp_dir().join(format!(
            "console-chromedriver-{}.log",
            uuid::Uuid::new_v4().simple()
        ));
        let child = {
            use std::os::unix::process::CommandExt;
            Command::new(&path)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()))
        };
        let mut driver = Driver { child, port, log };
        let status = format!("http://127.0.0.1:{port}/status");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("a client");
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(Some(exit)) = driver.child.try_wait() {
                panic!(
                    "chromedriver exited at start-up ({exit}): {}",
                    std::fs::read_to_string(&driver.log).unwrap_or_default()
                );
            }
            if let Ok(answer) = client.get(&status).send().await {
                if answer.status().is_success() {
                    return driver;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "chromedriver does not answer on 127.0.0.1:{port} within {} s",
                WAIT.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A headless Chromium session of [`WINDOW`]'s size; the browser and chromedriver end when
/// dropped.
pub struct Browser {
    client: Client,
    _driver: Driver,
}

impl Browser {
    /// Start chromedriver and a headless Chromium.
    pub async fn start() -> Browser {
        let chromium = program("EVENTBUS_TEST_CHROMIUM", "/usr/bin/chromium");
        require(&chromium, "chromium", "EVENTBUS_TEST_CHROMIUM");
        let driver = Driver::start().await;
        let (width, height) = WINDOW;
        let options = serde_json::json!({
            "binary": chromium,
            "args": [
                "--headless=new",
                // Root in a container has no user namespace for the sandbox.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                format!("--window-size={width},{height}"),
            ],
        });
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "chrome".into());
        capabilities.insert("goog:chromeOptions".into(), options);
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(capabilities);
        let url = format!("http://127.0.0.1:{}", driver.port);
        let client = tokio::time::timeout(WAIT, builder.connect(&url))
            .await
            .expect("the browser starts in time")
            .unwrap_or_else(|e| {
                panic!(
                    "no browser session: {e}; chromedriver's log: {}",
                    std::fs::read_to_string(&driver.log).unwrap_or_default()
                )
            });
        let timeouts = fantoccini::wd::TimeoutConfiguration::new(Some(WAIT), Some(WAIT), None);
        client
            .update_timeouts(timeouts)
            .await
            .expect("the timeouts");
        // The window includes the browser's frame: grow it until the page (what a screenshot
        // shows) is WINDOW's size.
        let inner = client
            .execute(
                "return [window.innerWidth, window.innerHeight];",
                Vec::new(),
            )
            .await
            .expect("the page's size");
        let size = |i: usize, window: u32| {
            let page = inner[i].as_u64().and_then(|v| u32::try_from(v).ok());
            page.map_or(window, |page| (2 * window).saturating_sub(page))
        };
        client
            .set_window_size(size(0, width), size(1, height))
            .await
            .expect("the window's size");
        Browser {
            client,
            _driver: driver,
        }
    }

    /// Open `url` (waiting for it to load).
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
    }

    /// Wait for the page whose heading (`h1`) contains `text`.
    pub async fn heading(&self, text: &str) {
        assert!(!text.contains('"'), "a heading without double quotes");
        let xpath = format!("//h1[contains(normalize-space(.), \"{text}\")]");
        if let Err(error) = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(&xpath))
            .await
        {
            panic!(
                "no heading {text:?} within {} s ({error}) on {}: {}",
                WAIT.as_secs(),
                self.url().await,
                self.client.source().await.unwrap_or_default()
            );
        }
    }

    /// The page's address.
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Wait until the page's address contains `part`.
    pub async fn url_contains(&self, part: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.url().await.contains(part) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the address has no {part:?} within {} s: {}",
                WAIT.as_secs(),
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Reload the page until the element `css` finds has `text` in it (the page changing on the
    /// server's side), at most [`WAIT`].
    pub async fn reload_until(&self, css: &str, text: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let found = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if found.contains(text) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {text:?} in {css} ({found:?}) on {} after {} s",
                self.url().await,
                WAIT.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
            self.client.refresh().await.expect("reloaded");
        }
    }

    /// Click the element `locator` finds (waiting for it).
    pub async fn click(&self, locator: Locator<'_>) {
        let element = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("nothing to click at {locator:?}: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {locator:?}: {e}"));
    }

    /// Click the link whose text is `text`.
    pub async fn follow(&self, text: &str) {
        self.click(Locator::LinkText(text)).await;
    }

    /// Replace the text of the input named `name` with `value`.
    pub async fn fill(&self, name: &str, value: &str) {
        let css = format!("input[name=\"{name}\"]");
        let input = self
            .client
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("no input {name}: {e}"));
        input.clear().await.expect("cleared");
        input.send_keys(value).await.expect("typed");
    }

    /// The text of each element `css` finds, in page order.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
        {
            texts.push(element.text().await.expect("a text"));
        }
        texts
    }

    /// The text of the element `css` finds.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .expect("a text")
    }

    /// Write a PNG screenshot of the window to `dir/NAME.png`.
    pub async fn screenshot(&self, dir: &Path, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
        std::fs::create_dir_all(dir).expect("the screenshots' directory");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// End the session (the browser); chromedriver ends when `self` is dropped.
    pub async fn close(self) {
        let _ = tokio::time::timeout(WAIT, self.client.clone().close()).await;
    }
}
