//! `eventbus config check`.

use super::CliError;
use crate::cli::ConfigCommand;
use crate::stdout::outln;
use eventbus_runtime::kafka::build_info::LibrdkafkaBuild;
use eventbus_runtime::producer_config::{
    ConfigSource, Problem, ProblemKind, ProducerConfig, ProducerConfigError, ProductionMode,
    ENV_VAR,
};
use eventbus_runtime::settings::{names, redis_names};
use std::process::ExitCode;

pub fn run(command: ConfigCommand) -> Result<ExitCode, CliError> {
    let ConfigCommand::Check {
        files,
        env,
        json,
        setting,
    } = command;
    if files.is_empty() && !env {
        return Err(CliError::Usage(format!(
            "nothing to check: give configuration files, or --env to check {ENV_VAR}"
        )));
    }
    let env_set = std::env::var(ENV_VAR).is_ok_and(|v| !v.trim().is_empty());
    let connections = if env { connections(json)? } else { 0 };
    if env && files.is_empty() && !env_set {
        if connections > 0 {
            outln!(
                "warning: {ENV_VAR} is not set (or blank): this service produces no event to the \
                 event bus"
            )?;
            return Ok(ExitCode::SUCCESS);
        }
        return Err(CliError::Usage(format!(
            "nothing to check: {ENV_VAR} is not set (or blank), no connection is configured \
             ({} nor {}) and no file was given",
            names::BOOTSTRAP_SERVERS,
            redis_names::CONNECTION_URL
        )));
    }
    let mut sources: Vec<ConfigSource> = match &setting {
        None => files.into_iter().map(ConfigSource::file).collect(),
        Some(name) => files
            .iter()
            .map(|file| {
                let value = super::settings_file::read_setting(file, name)?;
                Ok(ConfigSource::value(
                    format!("{name} in file `{}`", file.display()),
                    value,
                ))
            })
            .collect::<Result<_, CliError>>()?,
    };
    if env {
        sources.push(ConfigSource::env());
    }
    let names: Vec<String> = sources.iter().map(ConfigSource::name).collect();
    let config = ProducerConfig::load(sources).and_then(|config| {
        // Checked as the service's start-up would: its outbox comes from the environment.
        let outbox_set = std::env::var("EVENT_BUS_OUTBOX_URL").is_ok_and(|u| !u.trim().is_empty());
        let problems: Vec<Problem> = config
            .outbox_topics()
            .filter(|_| env && !outbox_set)
            .map(|(event_type, topic)| {
                Problem::topic(event_type, &topic.topic, ProblemKind::OutboxNotConfigured)
            })
            .collect();
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ProducerConfigError::new(problems))
        }
    });
    let config = match config {
        Ok(config) => config,
        Err(error) => {
            // The problems; the exit code says there are some even if nobody reads them.
            let _ = outln!("{error}");
            return Err(CliError::Refused(format!(
                "{} problem(s) in the producer configuration ({})",
                error.problems().len(),
                names.join(", ")
            )));
        }
    };
    if json {
        let text = serde_json::to_string_pretty(&config.to_json()).expect("JSON values print");
        outln!("{text}")?;
        return Ok(ExitCode::SUCCESS);
    }
    let (mut enabled, mut disabled) = (0, 0);
    for event in config.event_types() {
        outln!("{}", event.event_type())?;
        for topic in event.topics() {
            let state = match (topic.enabled, config.mode_of(topic)) {
                (true, ProductionMode::Immediate) => "enabled".to_owned(),
                (true, mode) => format!("enabled ({mode})"),
                (false, _) => "disabled".to_owned(),
            };
            if topic.enabled {
                enabled += 1;
            } else {
                disabled += 1;
            }
            outln!(
                "  {:40} key {:40} {state}",
                topic.topic,
                topic.event_key_field
            )?;
        }
    }
    outln!(
        "valid: {} event type(s), {enabled} enabled topic(s), {disabled} disabled ({})",
        config.event_types().count(),
        names.join(", ")
    )?;
    if config.produces_nothing() {
        outln!(
            "warning: no enabled topic: this configuration produces no event to the event bus \
             (is {ENV_VAR} set?)"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The connections the environment configures (Kafka and its registry, Redis), each line with its
/// effective security and every secret masked (not printed with `--json`, whose output is the
/// producer configuration); how many there are. Settings that cannot be used (missing, invalid,
/// contradicting each other) are refused, naming them.
fn connections(json: bool) -> Result<usize, CliError> {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    if set(names::BOOTSTRAP_SERVERS) || set(names::SCHEMA_REGISTRY_URL) {
        match super::bus::settings_from_env() {
            Ok(settings) => {
                lines.extend(settings.describe_security());
                lines.push(format!(
                    "kafka consumer groups: {}",
                    settings.group().describe_with(settings.client_options())
                ));
            }
            Err(error) => problems.push(format!("kafka: {error}")),
        }
        let build = LibrdkafkaBuild::current();
        lines.push(format!(
            "librdkafka {} with {}",
            build.version,
            build.features.join(", ")
        ));
    }
    if set(redis_names::CONNECTION_URL) {
        match super::bus::redis_settings_from_env() {
            Ok(settings) => lines.extend(settings.security_lines()),
            Err(error) => problems.push(format!("redis: {error}")),
        }
    }
    if !problems.is_empty() {
        for problem in &problems {
            let _ = outln!("{problem}");
        }
        return Err(CliError::Refused(format!(
            "{} problem(s) in the connection settings of the environment",
            problems.len()
        )));
    }
    if !lines.is_empty() && !json {
        outln!("connections:")?;
        for line in &lines {
            outln!("  {line}")?;
        }
    }
    Ok(lines.len())
}
