//! `eventbus topics`: create, list, describe and delete Kafka topics (the services run with topic
//! auto-creation off), with the dead-letter topic beside each; list and describe Redis streams.

use super::bus::{backend, block_on, redis_settings_from_env, settings_from_env};
use super::CliError;
use crate::cli::{Backend, TopicsCommand, TopicsCreateArgs, TopicsDeleteArgs};
use crate::stdout::outln;
use eventbus_runtime::kafka::{Creation, KafkaAdmin, KafkaError, TopicInfo, TopicSpec};
use eventbus_runtime::redis::{RedisStreams, StreamInfo};
use eventbus_runtime::settings::{KafkaSettings, RedisSettings};
use std::process::ExitCode;

/// The setting that chooses the backend when --backend is not given.
const BACKEND_SETTING: &str = "EVENT_BUS_PRODUCER";

pub fn run(command: TopicsCommand) -> Result<ExitCode, CliError> {
    match command {
        TopicsCommand::Create(args) => match backend(args.backend, BACKEND_SETTING) {
            Backend::Kafka => block_on(create_kafka(args))?,
            Backend::Redis => Err(CliError::Usage(
                "topics create is for Kafka: a Redis stream is created by its first entry (and \
                 by a consumer group, with MKSTREAM), so there is nothing to create; see \
                 `eventbus topics list --backend redis`"
                    .into(),
            )),
        },
        TopicsCommand::Delete(args) => match backend(args.backend, BACKEND_SETTING) {
            Backend::Kafka => block_on(delete_kafka(args))?,
            Backend::Redis => Err(CliError::Usage(
                "topics delete is for Kafka topics (a Redis stream is a key: delete it with \
                 redis-cli DEL)"
                    .into(),
            )),
        },
        TopicsCommand::List { backend: asked } => match backend(asked, BACKEND_SETTING) {
            Backend::Kafka => block_on(list_kafka())?,
            Backend::Redis => block_on(list_redis())?,
        },
        TopicsCommand::Describe {
            backend: asked,
            topic,
        } => match backend(asked, BACKEND_SETTING) {
            Backend::Kafka => block_on(describe_kafka(&topic))?,
            Backend::Redis => block_on(describe_redis(&topic))?,
        },
    }
}

/// The Kafka settings and an admin client.
fn kafka_admin() -> Result<(KafkaSettings, KafkaAdmin), CliError> {
    let settings = settings_from_env()?;
    let admin = KafkaAdmin::new(&settings).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok((settings, admin))
}

async fn create_kafka(args: TopicsCreateArgs) -> Result<ExitCode, CliError> {
    for (name, value) in [
        ("--partitions", args.partitions),
        ("--replication-factor", args.replication_factor.unwrap_or(1)),
        ("--dead-letter-partitions", args.dead_letter_partitions),
    ] {
        if value < 1 {
            return Err(CliError::Usage(format!(
                "{name} must be at least 1, not {value}"
            )));
        }
    }
    if !eventbus_runtime::settings::valid_topic(&args.topic) {
        return Err(CliError::Usage(format!(
            "`{}` is not a valid topic name: use letters, digits, `.`, `_` and `-`",
            args.topic
        )));
    }
    let (settings, admin) = kafka_admin()?;
    // Not given: what the cluster can hold (min(3, live brokers)), the same for both topics.
    let replication = match args.replication_factor {
        Some(replication) => replication,
        None => admin.default_replication().await.map_err(CliError::bus)?,
    };
    let full = settings.full_topic(&args.topic);
    let spec = TopicSpec::new(&full, args.partitions).replication(replication);
    let created = create_one(&admin, &spec).await?;
    if created == Creation::AlreadyExists && !args.if_not_exists {
        return Err(CliError::Refused(format!(
            "topic {full} already exists on the Kafka brokers {} (give --if-not-exists to \
             accept it as it is; `eventbus topics describe {}` shows it)",
            admin.servers(),
            args.topic
        )));
    }
    outln!(
        "{} on the Kafka brokers {}",
        done("topic", &spec, created),
        admin.servers()
    )?;
    if !args.no_dead_letter {
        let dead_letter = settings.full_topic(&settings.dead_letter_topic(&args.topic));
        let spec =
            TopicSpec::new(&dead_letter, args.dead_letter_partitions).replication(replication);
        let created = create_one(&admin, &spec).await?;
        outln!("{}", done("dead-letter topic", &spec, created))?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn delete_kafka(args: TopicsDeleteArgs) -> Result<ExitCode, CliError> {
    let (settings, admin) = kafka_admin()?;
    let full = settings.full_topic(&args.topic);
    let dead_letter = settings.full_topic(&settings.dead_letter_topic(&args.topic));
    if !args.yes {
        let what = if args.keep_dead_letter {
            format!("topic {full}")
        } else {
            format!("topic {full} and its dead-letter topic {dead_letter}")
        };
        return Err(CliError::Usage(format!(
            "topics delete removes the {what} from the Kafka brokers {}, with every message in \
             them, for good: give --yes to confirm",
            admin.servers()
        )));
    }
    let exists = |name: String| {
        let admin = &admin;
        async move {
            let found = admin.describe_topic(&name).await.map_err(CliError::bus)?;
            Ok::<_, CliError>(found.is_some().then_some(name))
        }
    };
    let Some(topic) = exists(full.clone()).await? else {
        if args.if_exists {
            outln!(
                "topic {full} does not exist on the Kafka brokers {}: nothing deleted",
                admin.servers()
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        return Err(CliError::Refused(format!(
            "topic {full} does not exist on the Kafka brokers {} (give --if-exists to accept \
             that; `eventbus topics list` shows the topics)",
            admin.servers()
        )));
    };
    delete_one(&admin, &topic).await?;
    outln!(
        "deleted topic {topic} on the Kafka brokers {}",
        admin.servers()
    )?;
    if !args.keep_dead_letter {
        match exists(dead_letter.clone()).await? {
            Some(dead_letter) => {
                delete_one(&admin, &dead_letter).await?;
                outln!("deleted dead-letter topic {dead_letter}")?;
            }
            None => outln!("dead-letter topic {dead_letter}: does not exist")?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn delete_one(admin: &KafkaAdmin, name: &str) -> Result<(), CliError> {
    tracing::info!(topic = name, "deleting topic");
    // The brokers' refusal (deletion disabled, not authorized...) is a refused input; no answer
    // is the bus failing.
    admin
        .delete_topics(&[name])
        .await
        .map_err(|error| match error {
            KafkaError::Admin { .. } => CliError::Refused(error.to_string()),
            other => CliError::bus(other),
        })
}

/// What creating a topic did, in words.
fn done(what: &str, spec: &TopicSpec, creation: Creation) -> String {
    match creation {
        Creation::Created => format!(
            "created {what} {} ({} partition(s), replication factor {})",
            spec.name,
            spec.partitions,
            spec.replication
                .map_or_else(|| "default".to_owned(), |r| r.to_string())
        ),
        Creation::AlreadyExists => format!("{what} {} already exists: kept as it is", spec.name),
    }
}

async fn create_one(admin: &KafkaAdmin, spec: &TopicSpec) -> Result<Creation, CliError> {
    // The brokers' refusal (an invalid replication factor...) is a refused input; no answer
    // is the bus failing.
    let created = admin
        .create_topics_reporting(std::slice::from_ref(spec))
        .await
        .map_err(|error| match error {
            KafkaError::Admin { .. } => CliError::Refused(error.to_string()),
            other => CliError::bus(other),
        })?;
    Ok(created
        .into_iter()
        .find(|(name, _)| *name == spec.name)
        .map_or(Creation::Created, |(_, creation)| creation))
}

/// Whose dead-letter topic `name` is, among `names` (full names): the topic whose dead-letter
/// name (by the settings) is `name` ("several topics" when it is shared), else the name
/// without `-dead-letter`.
fn dead_letter_source(
    name: &str,
    names: &[&str],
    prefix: Option<&str>,
    dead_letter_of: impl Fn(&str) -> String,
) -> Option<String> {
    let unprefixed = |full: &str| -> String {
        match prefix {
            Some(prefix) => full
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('-'))
                .unwrap_or(full)
                .to_owned(),
            None => full.to_owned(),
        }
    };
    let sources: Vec<&str> = names
        .iter()
        .filter(|source| **source != name && dead_letter_of(&unprefixed(source)) == name)
        .copied()
        .collect();
    match sources.as_slice() {
        [] => name.strip_suffix("-dead-letter").map(str::to_owned),
        [source] => Some((*source).to_owned()),
        _ => Some("several topics".to_owned()),
    }
}

/// The names to list: all, or those with the prefix when there is one.
fn with_prefix<'a>(names: impl Iterator<Item = &'a str>, prefix: Option<&str>) -> Vec<&'a str> {
    names
        .filter(|name| prefix.is_none_or(|p| name.starts_with(&format!("{p}-"))))
        .collect()
}

async fn list_kafka() -> Result<ExitCode, CliError> {
    let (settings, admin) = kafka_admin()?;
    let topics = admin.list_topics().await.map_err(CliError::bus)?;
    let names = with_prefix(
        topics.iter().map(|t| t.name.as_str()),
        settings.topic_prefix(),
    );
    let dead_letter_of = |topic: &str| settings.full_topic(&settings.dead_letter_topic(topic));
    for topic in topics.iter().filter(|t| names.contains(&t.name.as_str())) {
        let mark = dead_letter_source(&topic.name, &names, settings.topic_prefix(), dead_letter_of)
            .map(|source| format!("  dead letters of {source}"))
            .unwrap_or_default();
        outln!(
            "{}  {} partition(s){mark}",
            topic.name,
            topic.partitions.len()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn list_redis() -> Result<ExitCode, CliError> {
    let settings = redis_settings_from_env()?;
    let streams = RedisStreams::connect(&settings)
        .await
        .map_err(CliError::bus)?;
    let pattern = settings
        .topic_prefix()
        .map_or_else(|| "*".to_owned(), |p| format!("{p}-*"));
    let list = streams.list(&pattern).await.map_err(CliError::bus)?;
    let names: Vec<&str> = list.iter().map(|(name, _)| name.as_str()).collect();
    let dead_letter_of = |topic: &str| settings.full_topic(&settings.dead_letter_stream(topic));
    for (name, length) in &list {
        let mark = dead_letter_source(name, &names, settings.topic_prefix(), dead_letter_of)
            .map(|source| format!("  dead letters of {source}"))
            .unwrap_or_default();
        outln!("{name}  {length} entries{mark}")?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn describe_kafka(topic: &str) -> Result<ExitCode, CliError> {
    let (settings, admin) = kafka_admin()?;
    let full = settings.full_topic(topic);
    let Some(info) = admin.describe_topic(&full).await.map_err(CliError::bus)? else {
        return Err(CliError::Refused(format!(
            "topic {full} does not exist on the Kafka brokers {} (`eventbus topics create {topic}` \
             creates it)",
            admin.servers()
        )));
    };
    print_topic("topic", &info)?;
    let dead_letter = settings.full_topic(&settings.dead_letter_topic(topic));
    match admin
        .describe_topic(&dead_letter)
        .await
        .map_err(CliError::bus)?
    {
        Some(info) => print_topic("dead-letter topic", &info)?,
        None => outln!("dead-letter topic {dead_letter}: does not exist")?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_topic(what: &str, info: &TopicInfo) -> Result<(), CliError> {
    let messages: i64 = info.partitions.iter().filter_map(|p| p.messages()).sum();
    outln!(
        "{what} {}: {} partition(s), {messages} message(s)",
        info.name,
        info.partitions.len()
    )?;
    for p in &info.partitions {
        let (low, high) = p.watermarks.unwrap_or((-1, -1));
        outln!(
            "  partition {}: leader {}, replicas {:?}, isr {:?}, low {low}, high {high} ({} message(s))",
            p.id,
            p.leader,
            p.replicas,
            p.isr,
            high - low
        )?;
    }
    Ok(())
}

async fn describe_redis(topic: &str) -> Result<ExitCode, CliError> {
    let settings: RedisSettings = redis_settings_from_env()?;
    let streams = RedisStreams::connect(&settings)
        .await
        .map_err(CliError::bus)?;
    let full = settings.full_topic(topic);
    let Some(info) = streams.describe(&full).await.map_err(CliError::bus)? else {
        return Err(CliError::Refused(format!(
            "stream {full} does not exist in Redis at {}",
            streams.url()
        )));
    };
    print_stream("stream", &info)?;
    let dead_letter = settings.full_topic(&settings.dead_letter_stream(topic));
    match streams
        .describe(&dead_letter)
        .await
        .map_err(CliError::bus)?
    {
        Some(info) => print_stream("dead-letter stream", &info)?,
        None => outln!("dead-letter stream {dead_letter}: does not exist")?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_stream(what: &str, info: &StreamInfo) -> Result<(), CliError> {
    outln!(
        "{what} {}: {} entries, first {}, last {}",
        info.name,
        info.length,
        info.first_id.as_deref().unwrap_or("-"),
        info.last_id.as_deref().unwrap_or("-")
    )?;
    for g in &info.groups {
        outln!(
            "  group {}: {} consumer(s), {} pending, last delivered {}, lag {}",
            g.name,
            g.consumers,
            g.pending,
            g.last_delivered_id,
            g.lag
                .map_or_else(|| "unknown".to_owned(), |l| l.to_string())
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_letter_topics_are_found_by_their_source() {
        let names = [
            "dev-a",
            "dev-a-dead-letter",
            "dev-b",
            "dev-dlq",
            "dev-old-dead-letter",
        ];
        let default = |t: &str| format!("dev-{t}-dead-letter");
        assert_eq!(
            dead_letter_source("dev-a-dead-letter", &names, Some("dev"), default).as_deref(),
            Some("dev-a")
        );
        assert_eq!(
            dead_letter_source("dev-a", &names, Some("dev"), default),
            None
        );
        // A source that is gone: by the suffix.
        assert_eq!(
            dead_letter_source("dev-old-dead-letter", &names, Some("dev"), default).as_deref(),
            Some("dev-old")
        );
        // One configured dead-letter topic for all.
        let shared = |_: &str| "dev-dlq".to_owned();
        assert_eq!(
            dead_letter_source("dev-dlq", &names, Some("dev"), shared).as_deref(),
            Some("several topics")
        );
        assert_eq!(
            with_prefix(["dev-a", "prod-a", "deva"].into_iter(), Some("dev")),
            ["dev-a"]
        );
    }
}
