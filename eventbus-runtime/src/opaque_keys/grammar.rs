//! The grammars of the opaque keys' string forms, after `edx-opaque-keys`.

type Check = Result<(), String>;

/// Characters allowed in the org, course and run parts of a key.
fn allowed(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '~' | '.' | ':' | '_' | '%')
}

fn part(name: &str, value: &str) -> Check {
    if value.is_empty() {
        return Err(format!("the {name} is empty"));
    }
    match value.chars().find(|&c| !allowed(c)) {
        Some(c) => Err(format!("the {name} contains {c:?}")),
        None => Ok(()),
    }
}

fn prefixed<'a>(s: &'a str, prefix: &str) -> Result<&'a str, String> {
    s.strip_prefix(prefix)
        .ok_or_else(|| format!("it does not start with `{prefix}`"))
}

/// `Org+Course+Run` followed by optional `+name@value` parts; returns those parts.
fn course_parts(body: &str) -> Result<Vec<(&str, &str)>, String> {
    let mut pieces = body.split('+');
    for name in ["org", "course", "run"] {
        part(name, pieces.next().unwrap_or(""))?;
    }
    pieces
        .map(|piece| {
            piece
                .split_once('@')
                .ok_or_else(|| format!("`{piece}` is not a `name@value` part"))
        })
        .collect()
}

/// `course-v1:...`, `ccx-v1:...` or the deprecated `Org/Course/Run`.
pub(super) fn course_key(s: &str) -> Check {
    if s.starts_with("ccx-v1:") {
        return ccx_locator(s);
    }
    if let Some(body) = s.strip_prefix("course-v1:") {
        let extra = course_parts(body)?;
        return match extra.as_slice() {
            [] | [("branch" | "version", _)] | [("branch", _), ("version", _)] => Ok(()),
            _ => Err("a course key has only org, course, run, branch and version".into()),
        };
    }
    let pieces: Vec<&str> = s.split('/').collect();
    if let [org, course, run] = pieces.as_slice() {
        part("org", org)?;
        part("course", course)?;
        return part("run", run);
    }
    Err("it is neither `course-v1:Org+Course+Run` nor `Org/Course/Run`".into())
}

pub(super) fn ccx_locator(s: &str) -> Check {
    let extra = course_parts(prefixed(s, "ccx-v1:")?)?;
    match extra.as_slice() {
        [.., ("ccx", id)] if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) => Ok(()),
        _ => Err("it does not end with `+ccx@<number>`".into()),
    }
}

fn block_parts(extra: &[(&str, &str)]) -> Check {
    let block_type = extra.iter().find(|(k, _)| *k == "type").map(|(_, v)| *v);
    let block_id = extra.iter().find(|(k, _)| *k == "block").map(|(_, v)| *v);
    match (block_type, block_id) {
        (Some(t), Some(b)) => {
            part("block type", t)?;
            part("block id", b)
        }
        _ => Err("it lacks `+type@<type>+block@<id>`".into()),
    }
}

/// `block-v1:...`, `ccx-block-v1:...`, `lb:...` or the deprecated `i4x://...`.
pub(super) fn usage_key(s: &str) -> Check {
    if s.starts_with("lb:") {
        return library_usage_locator(s);
    }
    if let Some(body) = s
        .strip_prefix("block-v1:")
        .or_else(|| s.strip_prefix("ccx-block-v1:"))
    {
        return block_parts(&course_parts(body)?);
    }
    if let Some(body) = s.strip_prefix("i4x://") {
        let pieces: Vec<&str> = body.split('/').collect();
        if let [org, course, block_type, id] = pieces.as_slice() {
            part("org", org)?;
            part("course", course)?;
            part("block type", block_type)?;
            return part("block id", id.split('@').next().unwrap_or(""));
        }
    }
    Err("it is not `block-v1:Org+Course+Run+type@T+block@ID` or another usage key form".into())
}

/// Colon-separated parts after `prefix`, each checked.
fn colon_parts(s: &str, prefix: &str, names: &[&str]) -> Check {
    let body = prefixed(s, prefix)?;
    let pieces: Vec<&str> = body.split(':').collect();
    if pieces.len() != names.len() {
        return Err(format!(
            "it needs {} parts: {}",
            names.len(),
            names.join(":")
        ));
    }
    for (name, value) in names.iter().zip(pieces) {
        if value.is_empty() {
            return Err(format!("the {name} is empty"));
        }
        if let Some(c) = value
            .chars()
            .find(|&c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '%')))
        {
            return Err(format!("the {name} contains {c:?}"));
        }
    }
    Ok(())
}

pub(super) fn library_locator(s: &str) -> Check {
    colon_parts(s, "lib:", &["org", "slug"])
}

pub(super) fn library_usage_locator(s: &str) -> Check {
    colon_parts(s, "lb:", &["org", "slug", "block type", "usage id"])
}

pub(super) fn library_collection_locator(s: &str) -> Check {
    colon_parts(s, "lib-collection:", &["org", "slug", "collection id"])
}

pub(super) fn library_container_locator(s: &str) -> Check {
    colon_parts(
        s,
        "lct:",
        &["org", "slug", "container type", "container id"],
    )
}
