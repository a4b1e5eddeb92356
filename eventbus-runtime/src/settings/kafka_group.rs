//! How a Kafka consumer takes part in its group: the group protocol, how partitions are assigned,
//! how long a silent member stays in the group, static membership, and how long a member may take
//! to finish the events of partitions taken from it.
//!
//! The defaults differ from librdkafka's (and Python's) in one way: the `classic` protocol
//! assigns partitions `cooperative-sticky` (incremental rebalancing: a member that joins or
//! leaves moves only the partitions that must move, and the others keep consuming), not
//! `range,roundrobin` (eager: every member stops and gives up every partition at every
//! rebalance). `consumer` is the next-generation protocol (KIP-848, Kafka 4): the broker assigns
//! partitions and holds the session timeout and heartbeat interval, so those two settings and
//! the classic strategies are refused with it.

use super::{names, parse_seconds, ClientOptions, SettingsError};
use std::fmt;
use std::time::Duration;

/// The consumer group protocol (librdkafka `group.protocol`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupProtocol {
    /// The classic protocol: the members' leader assigns partitions, with the strategy of
    /// [`AssignmentStrategy`].
    #[default]
    Classic,
    /// The next-generation protocol (KIP-848): the broker assigns partitions, incrementally.
    Consumer,
}

impl GroupProtocol {
    /// librdkafka's name.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupProtocol::Classic => "classic",
            GroupProtocol::Consumer => "consumer",
        }
    }
}

impl fmt::Display for GroupProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How partitions are spread over the members of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentStrategy {
    /// Classic protocol, incremental: only the partitions that move are revoked (the default).
    CooperativeSticky,
    /// Classic protocol, eager: ranges of partitions per topic; every partition is revoked at
    /// every rebalance. With the `consumer` protocol: the broker's `range` assignor.
    Range,
    /// Classic protocol, eager: partitions dealt in turn.
    RoundRobin,
    /// `consumer` protocol: the broker's `uniform` assignor (its default).
    Uniform,
}

impl AssignmentStrategy {
    /// The name in settings and in librdkafka.
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStrategy::CooperativeSticky => "cooperative-sticky",
            AssignmentStrategy::Range => "range",
            AssignmentStrategy::RoundRobin => "roundrobin",
            AssignmentStrategy::Uniform => "uniform",
        }
    }

    fn parse(value: &str) -> Result<Self, SettingsError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "cooperative-sticky" => Ok(AssignmentStrategy::CooperativeSticky),
            "range" => Ok(AssignmentStrategy::Range),
            "roundrobin" => Ok(AssignmentStrategy::RoundRobin),
            "uniform" => Ok(AssignmentStrategy::Uniform),
            _ => Err(SettingsError::Invalid {
                setting: names::CONSUMER_ASSIGNMENT_STRATEGY,
                value: value.to_owned(),
                reason: "expected cooperative-sticky, range or roundrobin (classic protocol), \
                         or uniform or range (consumer protocol)"
                    .into(),
            }),
        }
    }

    /// Whether a rebalance revokes every partition of every member (classic eager strategies).
    pub fn is_eager(self) -> bool {
        matches!(
            self,
            AssignmentStrategy::Range | AssignmentStrategy::RoundRobin
        )
    }
}

impl fmt::Display for AssignmentStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The default session timeout of the classic protocol: 10 s, not librdkafka's 45 s. A member
/// that dies holds its partitions until its session times out, and with the classic protocol
/// every rebalance waits for it: with 45 s, a group whose members crash in a loop stalls for
/// about a minute after the last crash (the README gives the chaos tests' figures for both
/// timeouts). A member must heartbeat within it (librdkafka does, from its own thread, every 3 s).
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(10);

/// The default session timeout of a static member (`group.instance.id`): librdkafka's 45 s. A
/// static member is meant to come back within its session (a restart keeps its partitions), and
/// with 10 s a coordinator that fails over for longer fences it for good (`FENCED_INSTANCE_ID`,
/// fatal in librdkafka: seen in the three-broker coordinator fault test).
pub const DEFAULT_STATIC_SESSION_TIMEOUT: Duration = Duration::from_secs(45);

/// The default of [`GroupMembership::revocation_timeout`]: how long a member finishes the events
/// of partitions taken from it before it lets them go.
pub const DEFAULT_REVOCATION_TIMEOUT: Duration = Duration::from_secs(10);

/// How a consumer takes part in its group (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMembership {
    /// The group protocol.
    pub protocol: GroupProtocol,
    /// The assignment strategy; `None`: cooperative-sticky (classic), the broker's (consumer).
    pub strategy: Option<AssignmentStrategy>,
    /// Classic protocol: how long the coordinator waits for a silent member before it takes its
    /// partitions; `None`: [`DEFAULT_SESSION_TIMEOUT`] (classic), the broker's (consumer).
    pub session_timeout: Option<Duration>,
    /// Classic protocol: how often a member tells the coordinator it is alive (default 3 s).
    pub heartbeat_interval: Option<Duration>,
    /// The longest time between two reads before the member leaves the group (default 300 s).
    pub max_poll_interval: Option<Duration>,
    /// Static membership: this member's stable id in the group (`group.instance.id`). A member
    /// that restarts with the same id within the session timeout gets its partitions back without
    /// a rebalance.
    pub instance_id: Option<String>,
    /// On a revocation, how long the events of the revoked partitions that are running may take
    /// to finish before the partitions are let go (those not finished are left uncommitted and
    /// their late completions ignored).
    pub revocation_timeout: Duration,
}

impl Default for GroupMembership {
    fn default() -> Self {
        GroupMembership {
            protocol: GroupProtocol::Classic,
            strategy: None,
            session_timeout: None,
            heartbeat_interval: None,
            max_poll_interval: None,
            instance_id: None,
            revocation_timeout: DEFAULT_REVOCATION_TIMEOUT,
        }
    }
}

impl GroupMembership {
    /// Read the group settings (the `EVENT_BUS_KAFKA_CONSUMER_GROUP_PROTOCOL`, ... variables)
    /// through `get`, e.g. from the environment; empty values count as unset. Checked with the
    /// other settings by [`super::KafkaSettingsBuilder::build`].
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let seconds = |name: &'static str| {
            get(name)
                .map(|value| parse_seconds(name, &value))
                .transpose()
        };
        let protocol = match get(names::CONSUMER_GROUP_PROTOCOL) {
            None => GroupProtocol::Classic,
            Some(value) => match value.trim().to_ascii_lowercase().as_str() {
                "classic" => GroupProtocol::Classic,
                "consumer" => GroupProtocol::Consumer,
                _ => {
                    return Err(SettingsError::Invalid {
                        setting: names::CONSUMER_GROUP_PROTOCOL,
                        value,
                        reason: "expected classic or consumer".into(),
                    })
                }
            },
        };
        Ok(GroupMembership {
            protocol,
            strategy: get(names::CONSUMER_ASSIGNMENT_STRATEGY)
                .map(|v| AssignmentStrategy::parse(&v))
                .transpose()?,
            session_timeout: seconds(names::CONSUMER_SESSION_TIMEOUT)?,
            heartbeat_interval: seconds(names::CONSUMER_HEARTBEAT_INTERVAL)?,
            max_poll_interval: seconds(names::CONSUMER_MAX_POLL_INTERVAL)?,
            instance_id: get(names::CONSUMER_GROUP_INSTANCE_ID).map(|v| v.trim().to_owned()),
            revocation_timeout: seconds(names::CONSUMER_REVOCATION_TIMEOUT)?
                .unwrap_or(DEFAULT_REVOCATION_TIMEOUT),
        })
    }

    /// Refuse what the protocol does not allow, naming the settings.
    pub(super) fn check(&self) -> Result<(), SettingsError> {
        let consumer_only = |setting: &'static str, reason: &str| SettingsError::Conflict {
            first: names::CONSUMER_GROUP_PROTOCOL,
            second: setting,
            reason: reason.to_owned(),
        };
        match (self.protocol, self.strategy) {
            (GroupProtocol::Consumer, Some(s))
                if s != AssignmentStrategy::Range && s != AssignmentStrategy::Uniform =>
            {
                return Err(consumer_only(
                    names::CONSUMER_ASSIGNMENT_STRATEGY,
                    &format!(
                        "the consumer protocol's broker assignors are uniform and range, not {s}"
                    ),
                ))
            }
            (GroupProtocol::Classic, Some(AssignmentStrategy::Uniform)) => {
                return Err(consumer_only(
                    names::CONSUMER_ASSIGNMENT_STRATEGY,
                    "uniform is an assignor of the consumer protocol; the classic protocol's are \
                     cooperative-sticky, range and roundrobin",
                ))
            }
            _ => {}
        }
        if self.protocol == GroupProtocol::Consumer {
            for (setting, set) in [
                (
                    names::CONSUMER_SESSION_TIMEOUT,
                    self.session_timeout.is_some(),
                ),
                (
                    names::CONSUMER_HEARTBEAT_INTERVAL,
                    self.heartbeat_interval.is_some(),
                ),
            ] {
                if set {
                    return Err(consumer_only(
                        setting,
                        "with the consumer protocol the broker sets it \
                         (group.consumer.session.timeout.ms, group.consumer.heartbeat.interval.ms)",
                    ));
                }
            }
        }
        if let (Some(session), Some(heartbeat)) = (self.session_timeout, self.heartbeat_interval) {
            if heartbeat >= session {
                return Err(SettingsError::Conflict {
                    first: names::CONSUMER_HEARTBEAT_INTERVAL,
                    second: names::CONSUMER_SESSION_TIMEOUT,
                    reason: "the heartbeat interval must be shorter than the session timeout \
                             (a third of it, usually)"
                        .into(),
                });
            }
        }
        let session = match self.protocol {
            GroupProtocol::Classic => Some(self.classic_session(false)),
            GroupProtocol::Consumer => None,
        };
        if let (Some(session), Some(poll)) = (session, self.max_poll_interval) {
            if poll < session {
                return Err(SettingsError::Conflict {
                    first: names::CONSUMER_MAX_POLL_INTERVAL,
                    second: names::CONSUMER_SESSION_TIMEOUT,
                    reason: "the max poll interval must be at least the session timeout".into(),
                });
            }
        }
        for (setting, value) in [
            (names::CONSUMER_SESSION_TIMEOUT, self.session_timeout),
            (names::CONSUMER_HEARTBEAT_INTERVAL, self.heartbeat_interval),
            (names::CONSUMER_MAX_POLL_INTERVAL, self.max_poll_interval),
        ] {
            if let Some(value) = value.filter(|v| v.as_millis() < 1 || v.as_millis() > 86_400_000) {
                return Err(SettingsError::Invalid {
                    setting,
                    value: format!("{}", value.as_secs_f64()),
                    reason: "expected from 0.001 to 86400 seconds".into(),
                });
            }
        }
        if self.revocation_timeout > Duration::from_secs(3600) {
            return Err(SettingsError::Invalid {
                setting: names::CONSUMER_REVOCATION_TIMEOUT,
                value: format!("{}", self.revocation_timeout.as_secs_f64()),
                reason: "more than an hour".into(),
            });
        }
        if let Some(id) = &self.instance_id {
            if id.is_empty()
                || id.len() > 249
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            {
                return Err(SettingsError::Invalid {
                    setting: names::CONSUMER_GROUP_INSTANCE_ID,
                    value: id.clone(),
                    reason: "expected up to 249 ASCII letters, digits, `.`, `_` or `-`".into(),
                });
            }
        }
        Ok(())
    }

    /// The librdkafka properties these settings give a consumer.
    pub(crate) fn properties(&self) -> Vec<(&'static str, String)> {
        let ms = |d: Duration| d.as_millis().to_string();
        let mut properties = vec![("group.protocol", self.protocol.as_str().to_owned())];
        match self.protocol {
            GroupProtocol::Classic => {
                let strategy = self
                    .strategy
                    .unwrap_or(AssignmentStrategy::CooperativeSticky);
                properties.push((
                    "partition.assignment.strategy",
                    strategy.as_str().to_owned(),
                ));
                properties.push(("session.timeout.ms", ms(self.classic_session(false))));
                if let Some(heartbeat) = self.heartbeat_interval {
                    properties.push(("heartbeat.interval.ms", ms(heartbeat)));
                }
            }
            GroupProtocol::Consumer => {
                if let Some(strategy) = self.strategy {
                    properties.push(("group.remote.assignor", strategy.as_str().to_owned()));
                }
            }
        }
        if let Some(poll) = self.max_poll_interval {
            properties.push(("max.poll.interval.ms", ms(poll)));
        }
        if let Some(id) = &self.instance_id {
            properties.push(("group.instance.id", id.clone()));
        }
        properties
    }

    /// The classic protocol's session timeout: the one set, else 45 s for a static member (also
    /// when `group.instance.id` comes as a librdkafka option: `static_by_option`), else 10 s.
    pub(crate) fn classic_session(&self, static_by_option: bool) -> Duration {
        match self.session_timeout {
            Some(session) => session,
            None if self.instance_id.is_some() || static_by_option => {
                DEFAULT_STATIC_SESSION_TIMEOUT
            }
            None => DEFAULT_SESSION_TIMEOUT,
        }
    }

    /// The properties of the settings given explicitly (not the defaults): a librdkafka option
    /// may override a default, not a setting.
    pub(crate) fn explicit_properties(&self) -> Vec<(&'static str, String)> {
        self.properties()
            .into_iter()
            .filter(|(name, _)| match *name {
                "group.protocol" => self.protocol == GroupProtocol::Consumer,
                "session.timeout.ms" => self.session_timeout.is_some(),
                "partition.assignment.strategy" => self.strategy.is_some(),
                // The others are there only when set.
                _ => true,
            })
            .collect()
    }

    /// In words: `classic protocol, cooperative-sticky, session 10s, static member "web-0"`.
    pub fn describe(&self) -> String {
        self.describe_with(&ClientOptions::default())
    }

    /// In words, as a consumer configured with `options` (librdkafka options override the
    /// defaults: a `session.timeout.ms`, `partition.assignment.strategy` or `group.instance.id`
    /// there is what the consumer uses).
    pub fn describe_with(&self, options: &ClientOptions) -> String {
        let mut text = format!("{} protocol", self.protocol);
        let option_strategy = options.get("partition.assignment.strategy");
        match (self.protocol, self.strategy, option_strategy) {
            (GroupProtocol::Classic, None, Some(option)) => text.push_str(&format!(", {option}")),
            (GroupProtocol::Classic, strategy, _) => text.push_str(&format!(
                ", {}",
                strategy.unwrap_or(AssignmentStrategy::CooperativeSticky)
            )),
            (GroupProtocol::Consumer, Some(strategy), _) => text.push_str(&format!(", {strategy}")),
            (GroupProtocol::Consumer, None, _) => text.push_str(", the broker's assignor"),
        }
        let static_by_option = options.get("group.instance.id");
        let session = match self.protocol {
            GroupProtocol::Classic => Some(
                options
                    .get("session.timeout.ms")
                    .and_then(|ms| ms.parse().ok())
                    .map(Duration::from_millis)
                    .unwrap_or_else(|| self.classic_session(static_by_option.is_some())),
            ),
            GroupProtocol::Consumer => None,
        };
        for (name, value) in [
            ("session", session),
            ("heartbeat", self.heartbeat_interval),
            ("max poll interval", self.max_poll_interval),
        ] {
            if let Some(value) = value {
                text.push_str(&format!(", {name} {}s", value.as_secs_f64()));
            }
        }
        if let Some(id) = self.instance_id.as_deref().or(static_by_option) {
            text.push_str(&format!(", static member {id:?}"));
        }
        text.push_str(&format!(
            ", revocation drain {}s",
            self.revocation_timeout.as_secs_f64()
        ));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<GroupMembership, SettingsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let membership = GroupMembership::from_lookup(|name| vars.get(name).cloned())?;
        membership.check()?;
        Ok(membership)
    }

    fn property<'a>(properties: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
        properties
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_default_is_classic_and_cooperative() {
        let membership = read(&[]).unwrap();
        let properties = membership.properties();
        assert_eq!(property(&properties, "group.protocol"), Some("classic"));
        assert_eq!(
            property(&properties, "partition.assignment.strategy"),
            Some("cooperative-sticky")
        );
        assert_eq!(property(&properties, "session.timeout.ms"), Some("10000"));
        assert_eq!(property(&properties, "group.instance.id"), None);
        assert_eq!(membership.revocation_timeout, DEFAULT_REVOCATION_TIMEOUT);
    }

    #[test]
    fn every_setting_reaches_librdkafka() {
        let membership = read(&[
            (names::CONSUMER_ASSIGNMENT_STRATEGY, "RoundRobin"),
            (names::CONSUMER_SESSION_TIMEOUT, "6"),
            (names::CONSUMER_HEARTBEAT_INTERVAL, "1.5"),
            (names::CONSUMER_MAX_POLL_INTERVAL, "60"),
            (names::CONSUMER_GROUP_INSTANCE_ID, "lms-worker-0"),
            (names::CONSUMER_REVOCATION_TIMEOUT, "2.5"),
        ])
        .unwrap();
        let properties = membership.properties();
        assert_eq!(
            property(&properties, "partition.assignment.strategy"),
            Some("roundrobin")
        );
        assert_eq!(property(&properties, "session.timeout.ms"), Some("6000"));
        assert_eq!(property(&properties, "heartbeat.interval.ms"), Some("1500"));
        assert_eq!(property(&properties, "max.poll.interval.ms"), Some("60000"));
        assert_eq!(
            property(&properties, "group.instance.id"),
            Some("lms-worker-0")
        );
        assert_eq!(membership.revocation_timeout, Duration::from_millis(2500));
        let static_member = read(&[(names::CONSUMER_GROUP_INSTANCE_ID, "lms-worker-1")]).unwrap();
        assert_eq!(
            property(&static_member.properties(), "session.timeout.ms"),
            Some("45000"),
            "a static member keeps librdkafka's 45 s by default"
        );
        assert_eq!(
            membership.describe(),
            "classic protocol, roundrobin, session 6s, heartbeat 1.5s, max poll interval 60s, \
             static member \"lms-worker-0\", revocation drain 2.5s"
        );
    }

    #[test]
    fn the_consumer_protocol_takes_the_broker_assignors_only() {
        let membership = read(&[
            (names::CONSUMER_GROUP_PROTOCOL, "consumer"),
            (names::CONSUMER_ASSIGNMENT_STRATEGY, "uniform"),
        ])
        .unwrap();
        let properties = membership.properties();
        assert_eq!(property(&properties, "group.protocol"), Some("consumer"));
        assert_eq!(
            property(&properties, "group.remote.assignor"),
            Some("uniform")
        );
        assert_eq!(property(&properties, "partition.assignment.strategy"), None);
        assert_eq!(property(&properties, "session.timeout.ms"), None);
        let plain = read(&[(names::CONSUMER_GROUP_PROTOCOL, "consumer")]).unwrap();
        assert_eq!(property(&plain.properties(), "group.remote.assignor"), None);

        for (setting, value) in [
            (names::CONSUMER_ASSIGNMENT_STRATEGY, "cooperative-sticky"),
            (names::CONSUMER_SESSION_TIMEOUT, "10"),
            (names::CONSUMER_HEARTBEAT_INTERVAL, "1"),
        ] {
            let error = read(&[
                (names::CONSUMER_GROUP_PROTOCOL, "consumer"),
                (setting, value),
            ])
            .unwrap_err();
            let SettingsError::Conflict { first, second, .. } = error else {
                panic!("{setting}: {error}");
            };
            assert_eq!((first, second), (names::CONSUMER_GROUP_PROTOCOL, setting));
        }
        let error = read(&[(names::CONSUMER_ASSIGNMENT_STRATEGY, "uniform")]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("uniform is an assignor of the consumer protocol"),
            "{error}"
        );
    }

    #[test]
    fn bad_values_name_their_setting() {
        for (setting, value) in [
            (names::CONSUMER_GROUP_PROTOCOL, "kip848"),
            (names::CONSUMER_ASSIGNMENT_STRATEGY, "sticky"),
            (names::CONSUMER_SESSION_TIMEOUT, "soon"),
            (names::CONSUMER_SESSION_TIMEOUT, "0"),
            (names::CONSUMER_GROUP_INSTANCE_ID, "pod name"),
            (names::CONSUMER_REVOCATION_TIMEOUT, "7200"),
        ] {
            let error = read(&[(setting, value)]).unwrap_err();
            assert!(
                error.to_string().contains(setting),
                "{setting}={value}: {error}"
            );
        }
        let error = read(&[
            (names::CONSUMER_SESSION_TIMEOUT, "6"),
            (names::CONSUMER_HEARTBEAT_INTERVAL, "6"),
        ])
        .unwrap_err();
        assert!(matches!(error, SettingsError::Conflict { .. }), "{error}");
        let error = read(&[
            (names::CONSUMER_SESSION_TIMEOUT, "60"),
            (names::CONSUMER_MAX_POLL_INTERVAL, "30"),
        ])
        .unwrap_err();
        assert!(matches!(error, SettingsError::Conflict { .. }), "{error}");
    }
}
