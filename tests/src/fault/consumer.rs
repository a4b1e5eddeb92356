//! [`ConsumerProcess`]: the `fault_consumer` binary of this package (the runtime's
//! `KafkaConsumer` or `RedisConsumer` with a receiver that records each event in a
//! [`super::processed`] file) run as a process the test can SIGKILL and start again in the same
//! group.
//!
//! Integration tests of the `eventbus-tests` package get the binary's path from
//! `env!("CARGO_BIN_EXE_fault_consumer")`.
//!
//! Kafka: a SIGKILLed member stays in its group until its session times out
//! (`session.timeout.ms`, 45 s by default), and a new member's join waits for it: a restart would
//! stall that long. [`ConsumerTransport::kafka`] therefore gives the process static membership
//! (`group.instance.id`, the same on every restart): the restarted process takes the dead
//! member's place at once and gets its partitions back.

use super::error::HarnessError;
use super::ledger::{RedeliveryReport, SendLedger};
use super::process::OwnedProcess;
use super::process::Signal;
use super::processed::{read_processed, Processed, ProgressCounter};
use super::spans::{read_spans, Span, SPANS_FILE};
use super::support::wait_for;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

/// The environment variable of the receiver's wait, in milliseconds (`fault_consumer`).
pub const RECEIVER_WAIT_MS: &str = "FAULT_CONSUMER_RECEIVER_WAIT_MS";

/// How the consumer process reaches its transport.
#[derive(Debug, Clone)]
pub enum ConsumerTransport {
    /// The runtime's `KafkaConsumer`: settings built from these, plus `auto.offset.reset =
    /// earliest`, fast polls, and `EVENT_BUS_KAFKA_CONSUMER_ON_ERROR=stop` (a failing receiver
    /// stops the process instead of dead-lettering).
    Kafka {
        /// `bootstrap.servers`.
        bootstrap: String,
        /// The schema registry URL.
        registry_url: String,
        /// Extra librdkafka properties (`KafkaSettingsBuilder::client_option`).
        options: Vec<(String, String)>,
        /// `EVENT_BUS_KAFKA_CONSUMER_MAX_IN_FLIGHT` (1: one event at a time).
        max_in_flight: usize,
        /// How long the receiver waits (asynchronously) before it records an event, as one
        /// that writes to a database would.
        receiver_wait: Duration,
    },
    /// The runtime's `RedisConsumer` (new group: from the beginning of the stream), with
    /// `on_error = stop`.
    Redis {
        /// The connection URL.
        url: String,
        /// The consumer's name in its group; the same on every restart, so it reads its own
        /// pending entries first.
        consumer_name: String,
    },
}

impl ConsumerTransport {
    /// Kafka with static membership: `group.instance.id = instance_id` (see the module docs).
    pub fn kafka(bootstrap: &str, registry_url: &str, instance_id: &str) -> Self {
        ConsumerTransport::Kafka {
            bootstrap: bootstrap.to_owned(),
            registry_url: registry_url.to_owned(),
            options: vec![("group.instance.id".to_owned(), instance_id.to_owned())],
            max_in_flight: 1,
            receiver_wait: Duration::ZERO,
        }
    }

    /// Kafka with ordered concurrency: up to `max_in_flight` events at once, each receiver
    /// waiting `receiver_wait` first.
    #[must_use]
    pub fn concurrent(mut self, max_in_flight: usize, receiver_wait: Duration) -> Self {
        if let ConsumerTransport::Kafka {
            max_in_flight: m,
            receiver_wait: w,
            ..
        } = &mut self
        {
            *m = max_in_flight;
            *w = receiver_wait;
        }
        self
    }
}

/// A consumer process and its output file.
#[derive(Debug)]
pub struct ConsumerProcess {
    process: OwnedProcess,
    output: PathBuf,
    progress: ProgressCounter,
    run_ends: Vec<usize>,
}

impl ConsumerProcess {
    /// Start `program` (the `fault_consumer` binary) on `topic` (the full name: topic or stream)
    /// in `group`; its output file, spans file (see [`super::spans`]) and log go to `dir`.
    pub fn start(
        program: &Path,
        dir: &Path,
        transport: &ConsumerTransport,
        topic: &str,
        group: &str,
    ) -> Result<Self, HarnessError> {
        ConsumerProcess::start_with_env(program, dir, transport, topic, group, &[])
    }

    /// [`ConsumerProcess::start`] with more environment variables (settings such as
    /// `EVENT_BUS_KAFKA_CONSUMER_SESSION_TIMEOUT`).
    pub fn start_with_env(
        program: &Path,
        dir: &Path,
        transport: &ConsumerTransport,
        topic: &str,
        group: &str,
        env: &[(String, String)],
    ) -> Result<Self, HarnessError> {
        let output = dir.join(format!("{group}.processed"));
        let log = dir.join(format!("{group}.log"));
        let mut process = OwnedProcess::new(format!("consumer process of {group}"), program, log)
            .env(SPANS_FILE, dir.join(format!("{group}.spans")));
        for (name, value) in env {
            process = process.env(name, value);
        }
        process = match transport {
            ConsumerTransport::Kafka {
                bootstrap,
                registry_url,
                options,
                max_in_flight,
                receiver_wait,
            } => {
                let mut p = process
                    .env("EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS", bootstrap)
                    .env("EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL", registry_url)
                    .env(
                        "EVENT_BUS_KAFKA_CONSUMER_MAX_IN_FLIGHT",
                        max_in_flight.to_string(),
                    )
                    .env(RECEIVER_WAIT_MS, receiver_wait.as_millis().to_string())
                    .arg("kafka")
                    .arg(topic)
                    .arg(group)
                    .arg(&output);
                for (key, value) in options {
                    p = p.arg(format!("{key}={value}"));
                }
                p
            }
            ConsumerTransport::Redis { url, consumer_name } => process
                .env("EVENT_BUS_REDIS_CONNECTION_URL", url)
                .arg("redis")
                .arg(topic)
                .arg(group)
                .arg(&output)
                .arg(consumer_name),
        };
        process.start()?;
        Ok(ConsumerProcess {
            process,
            progress: ProgressCounter::new(&output),
            output,
            run_ends: Vec::new(),
        })
    }

    /// The process's PID while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.pid()
    }

    /// The output file.
    pub fn output(&self) -> &Path {
        &self.output
    }

    /// How many events were processed so far (lines of the output file, all runs).
    pub fn progress(&mut self) -> Result<usize, HarnessError> {
        self.progress.count()
    }

    /// Every processed event, all runs, in order.
    pub fn processed(&self) -> Result<Vec<Processed>, HarnessError> {
        read_processed(&self.output)
    }

    /// Where each run that ended (killed or stopped) ended: the number of lines of the output
    /// file then. Run `k` wrote lines `run_ends[k - 1]..run_ends[k]` (from 0 for the first).
    pub fn run_ends(&self) -> &[usize] {
        &self.run_ends
    }

    /// Wait until at least `count` events were processed (at most `timeout`; the process must
    /// keep running): the progress then.
    pub async fn wait_progress(
        &mut self,
        count: usize,
        timeout: Duration,
    ) -> Result<usize, HarnessError> {
        let what = format!("{} processing {count} events", self.process.name());
        let result = wait_for(&what, timeout, Duration::from_millis(20), || {
            let alive = self.process.check_running();
            let progress = self.progress.count();
            async move {
                alive?;
                let progress = progress?;
                Ok((progress >= count).then_some(progress))
            }
        })
        .await;
        result.map_err(|error| match error {
            HarnessError::Timeout { what, after, .. } => HarnessError::Timeout {
                what,
                after,
                log: self.process.log_tail(30),
            },
            other => other,
        })
    }

    /// The end of a kill test: wait (at most `timeout`) until every event of `ledger` and the
    /// redeliveries of the events each kill left `in_flight` are processed, stop the consumer
    /// (which must exit with success), and check what it processed. The report, and whether
    /// everything came within `timeout`; panics if the consumer does not stop cleanly.
    pub async fn settle(
        &mut self,
        ledger: &SendLedger,
        in_flight: &[BTreeSet<u64>],
        timeout: Duration,
    ) -> (RedeliveryReport, Result<usize, HarnessError>) {
        let expected = ledger.len() + in_flight.iter().map(BTreeSet::len).sum::<usize>();
        let finished = self.wait_progress(expected, timeout).await;
        self.stop(Duration::from_secs(20))
            .expect("the consumer stops cleanly");
        let processed = self.processed().expect("processed events");
        (
            RedeliveryReport::new(ledger, &processed, in_flight),
            finished,
        )
    }

    /// SIGKILL it and reap it: how many events were processed then (all runs).
    pub fn kill(&mut self) -> Result<usize, HarnessError> {
        self.process.kill()?;
        let end = self.progress()?;
        self.run_ends.push(end);
        Ok(end)
    }

    /// Start it again with the same arguments (same group, same consumer name or instance id,
    /// same output file).
    pub fn restart(&mut self) -> Result<u32, HarnessError> {
        self.process.start()
    }

    /// Stop it gracefully (SIGTERM: the consumer finishes the event in hand, commits or
    /// acknowledges it and exits; SIGKILL after `grace`) and check that it exited with success.
    pub fn stop(&mut self, grace: Duration) -> Result<ExitStatus, HarnessError> {
        let status = self
            .process
            .terminate(grace)?
            .ok_or_else(|| HarnessError::NotRunning {
                what: self.process.name().to_owned(),
            })?;
        let end = self.progress()?;
        self.run_ends.push(end);
        if status.success() {
            Ok(status)
        } else {
            Err(HarnessError::Exited {
                what: self.process.name().to_owned(),
                status,
                log: self.process.log_tail(30),
            })
        }
    }

    /// When its receiver ran each event, all runs (see [`super::spans`]).
    pub fn spans(&self) -> Result<Vec<Span>, HarnessError> {
        let path = self.output.with_extension("spans");
        read_spans(&path)
    }

    /// Whether it runs now.
    pub fn running(&mut self) -> bool {
        self.process.running()
    }

    /// Send it `signal` (SIGSTOP, SIGCONT: a frozen member).
    pub fn signal(&mut self, signal: Signal) -> Result<(), HarnessError> {
        self.process.signal(signal)
    }

    /// The end of its log.
    pub fn log_tail(&self, lines: usize) -> String {
        self.process.log_tail(lines)
    }
}
