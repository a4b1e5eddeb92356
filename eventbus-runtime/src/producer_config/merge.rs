//! Merging configurations, as openedx-events' `merge_producer_configs`.

use serde_json::{Map, Value};

/// Merge two `EVENT_BUS_PRODUCER_CONFIG` maps, as openedx-events' `merge_producer_configs`: every
/// event type / topic pair of `overrides` is added to `original`, and where both set a topic's
/// setting (`enabled`, `event_key_field`), `overrides` wins. Neither input is modified.
///
/// The merge goes three levels deep (event type, topic, setting); a setting's value is replaced
/// whole. A `null` in `overrides` never replaces anything, as a `None` in Python. Differences from
/// Python, which only ever meets well-formed maps: any other setting of an override is kept too
/// (so that validation reports a misspelled one instead of dropping it), and where either side is
/// not a map the override replaces the original (Python would raise).
///
/// ```
/// use eventbus_runtime::producer_config::merge_producer_configs;
/// use serde_json::json;
///
/// let original = json!({"ev.v1": {"a": {"event_key_field": "k", "enabled": true}}});
/// let overrides = json!({"ev.v1": {"a": {"enabled": false}}});
/// assert_eq!(
///     merge_producer_configs(&original, &overrides),
///     json!({"ev.v1": {"a": {"event_key_field": "k", "enabled": false}}})
/// );
/// ```
pub fn merge_producer_configs(original: &Value, overrides: &Value) -> Value {
    merge(original, overrides, 0)
}

/// Merge any number of configurations in order: later ones win.
pub fn merge_all<'a, I>(configs: I) -> Value
where
    I: IntoIterator<Item = &'a Value>,
{
    configs
        .into_iter()
        .fold(Value::Object(Map::new()), |combined, next| {
            merge(&combined, next, 0)
        })
}

/// Levels merged key by key: the configuration, an event type's topics, a topic's settings.
const MAP_LEVELS: usize = 3;

fn merge(original: &Value, overrides: &Value, depth: usize) -> Value {
    match (original, overrides) {
        (_, Value::Null) => original.clone(),
        (Value::Object(original), Value::Object(overrides)) if depth < MAP_LEVELS => {
            let mut combined = original.clone();
            for (key, value) in overrides {
                if value.is_null() {
                    // Python skips `None` settings; it has no `None` event types or topics.
                    continue;
                }
                let merged = match combined.get(key) {
                    Some(existing) => merge(existing, value, depth + 1),
                    // Python creates the entry (`combined.get(event_type, {})`), then fills it.
                    None if depth + 1 < MAP_LEVELS => {
                        merge(&Value::Object(Map::new()), value, depth + 1)
                    }
                    None => value.clone(),
                };
                combined.insert(key.clone(), merged);
            }
            Value::Object(combined)
        }
        (_, overrides) => overrides.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The example of openedx-events' `test_merge_configs`.
    #[test]
    fn merges_as_python_merge_producer_configs() {
        let dict_a = json!({
            "event_type_0": {
                "topic_a": {"event_key_field": "field", "enabled": true},
                "topic_b": {"event_key_field": "field", "enabled": true}
            },
            "event_type_1": {
                "topic_c": {"event_key_field": "field", "enabled": true}
            }
        });
        let dict_b = json!({
            "event_type_0": {
                // Disable an existing event type / topic pair.
                "topic_a": {"enabled": false},
                // Add a topic to an existing event type.
                "topic_d": {"event_key_field": "field", "enabled": true}
            },
            // Add an event type.
            "event_type_2": {
                "topic_e": {"event_key_field": "field", "enabled": true}
            }
        });
        let before = (dict_a.clone(), dict_b.clone());
        let result = merge_producer_configs(&dict_a, &dict_b);
        assert_eq!(
            result,
            json!({
                "event_type_0": {
                    "topic_a": {"event_key_field": "field", "enabled": false},
                    "topic_b": {"event_key_field": "field", "enabled": true},
                    "topic_d": {"event_key_field": "field", "enabled": true}
                },
                "event_type_1": {
                    "topic_c": {"event_key_field": "field", "enabled": true}
                },
                "event_type_2": {
                    "topic_e": {"event_key_field": "field", "enabled": true}
                }
            })
        );
        assert_eq!((dict_a, dict_b), before, "inputs are not modified");
    }

    #[test]
    fn key_field_override_keeps_enabled_and_order() {
        let original = json!({"e": {"t1": {"event_key_field": "a", "enabled": true}, "t2": {"event_key_field": "a", "enabled": false}}});
        let overrides = json!({"e": {"t1": {"event_key_field": "b"}}});
        let merged = merge_producer_configs(&original, &overrides);
        assert_eq!(
            merged,
            json!({"e": {"t1": {"event_key_field": "b", "enabled": true}, "t2": {"event_key_field": "a", "enabled": false}}})
        );
        let topics: Vec<&String> = merged["e"].as_object().unwrap().keys().collect();
        assert_eq!(topics, ["t1", "t2"], "topics keep the original order");
    }

    #[test]
    fn null_never_overrides() {
        let original = json!({"e": {"t": {"event_key_field": "a", "enabled": true}}});
        for overrides in [
            json!(null),
            json!({"e": null}),
            json!({"e": {"t": null}}),
            json!({"e": {"t": {"enabled": null, "event_key_field": null}}}),
        ] {
            assert_eq!(
                merge_producer_configs(&original, &overrides),
                original,
                "{overrides}"
            );
        }
        // A new topic whose settings are null is created empty, as Python does.
        assert_eq!(
            merge_producer_configs(&json!({}), &json!({"e": {"t": {"enabled": null}}})),
            json!({"e": {"t": {}}})
        );
    }

    #[test]
    fn empty_overrides_create_entries_as_python() {
        assert_eq!(
            merge_producer_configs(&json!({}), &json!({"e": {}})),
            json!({"e": {}})
        );
        assert_eq!(
            merge_producer_configs(&json!({}), &json!({"e": {"t": {}}})),
            json!({"e": {"t": {}}})
        );
    }

    #[test]
    fn values_are_replaced_whole_and_unknown_settings_kept() {
        let original = json!({"e": {"t": {"event_key_field": {"x": 1}, "enabled": true}}});
        let overrides = json!({"e": {"t": {"event_key_field": {"y": 2}, "enabeld": false}}});
        assert_eq!(
            merge_producer_configs(&original, &overrides),
            json!({"e": {"t": {"event_key_field": {"y": 2}, "enabled": true, "enabeld": false}}})
        );
    }

    #[test]
    fn non_maps_are_replaced_by_the_override() {
        assert_eq!(
            merge_producer_configs(
                &json!({"e": ["x"]}),
                &json!({"e": {"t": {"enabled": true}}})
            ),
            json!({"e": {"t": {"enabled": true}}})
        );
        assert_eq!(
            merge_producer_configs(
                &json!({"e": {"t": {"enabled": true}}}),
                &json!({"e": "oops"})
            ),
            json!({"e": "oops"})
        );
    }

    #[test]
    fn merge_all_applies_in_order() {
        let a = json!({"e": {"t": {"event_key_field": "a", "enabled": true}}});
        let b = json!({"e": {"t": {"enabled": false}}});
        let c = json!({"e": {"t": {"event_key_field": "c"}}});
        assert_eq!(
            merge_all([&a, &b, &c]),
            json!({"e": {"t": {"event_key_field": "c", "enabled": false}}})
        );
        assert_eq!(merge_all([]), json!({}));
    }
}
