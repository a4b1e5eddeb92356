//! A JSON value as the items of nested HTML lists, for templates (no HTML built here: the
//! template writes the tags, escaping every key and value).

use serde_json::Value;

/// One step of a nested list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A key with a scalar value: one list item.
    Leaf {
        /// The field name or index.
        key: String,
        /// The value as text (strings unquoted, `null` as `null`).
        value: String,
    },
    /// A key whose value is an object or a list: opens an item with a nested list.
    Enter {
        /// The field name or index.
        key: String,
        /// `{}` or `[]` and the number of children.
        summary: String,
    },
    /// Closes the nested list of the last [`Node::Enter`].
    Leave,
}

/// The nodes of `value`'s children, depth first.
pub(crate) fn nodes(value: &Value) -> Vec<Node> {
    let mut out = Vec::new();
    children(value, &mut out);
    out
}

fn children(value: &Value, out: &mut Vec<Node>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                node(key.clone(), child, out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                node(index.to_string(), child, out);
            }
        }
        scalar => out.push(Node::Leaf {
            key: String::new(),
            value: scalar_text(scalar),
        }),
    }
}

fn node(key: String, value: &Value, out: &mut Vec<Node>) {
    let summary = match value {
        Value::Object(map) => format!("{{{}}}", map.len()),
        Value::Array(items) => format!("[{}]", items.len()),
        scalar => {
            out.push(Node::Leaf {
                key,
                value: scalar_text(scalar),
            });
            return;
        }
    };
    out.push(Node::Enter { key, summary });
    children(value, out);
    out.push(Node::Leave);
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested() {
        let nodes = nodes(&json!({"a": 1, "b": {"c": "x"}, "d": [true]}));
        assert_eq!(
            nodes,
            vec![
                Node::Leaf {
                    key: "a".into(),
                    value: "1".into()
                },
                Node::Enter {
                    key: "b".into(),
                    summary: "{1}".into()
                },
                Node::Leaf {
                    key: "c".into(),
                    value: "x".into()
                },
                Node::Leave,
                Node::Enter {
                    key: "d".into(),
                    summary: "[1]".into()
                },
                Node::Leaf {
                    key: "0".into(),
                    value: "true".into()
                },
                Node::Leave,
            ]
        );
    }
}
