//! The secret's current value, reduced to its shape the moment it arrives.
//!
//! This is the only code that sees a secret value. The value is read from the
//! SDK's output, reduced to key names, JSON types, lengths and character
//! classes, and dropped here; only the values that are configuration rather
//! than credentials (engine, host, port, dbname, masterarn, username) are
//! kept. Errors never quote the value: serde_json's parse errors give a
//! position, not the text, and are not kept either.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use serde_json::Value;

use super::Gatherer;
use super::errors::{incomplete, value_lookup_error};
use crate::actions::secretsmanager::BATCH_GET_SECRET_VALUE as BATCH_GET;
use crate::actions::secretsmanager::GET_SECRET_VALUE as GET_VALUE;
use crate::facts::{Fact, JsonType, ObjectShape, PasswordShape, SecretShape};

/// The most secrets one `BatchGetSecretValue` call takes by id.
pub const BATCH_SIZE: usize = 20;

/// Listed secrets, grouped as their values are read: 20 to a
/// `BatchGetSecretValue` call, fetched when the first of them is needed.
#[derive(Default)]
pub struct Batches {
    batch_of: HashMap<String, usize>,
    members: Vec<Vec<String>>,
}

impl Batches {
    pub fn of(names: impl IntoIterator<Item = String>) -> Self {
        let names = names.into_iter().collect::<Vec<_>>();
        let members = names
            .chunks(BATCH_SIZE)
            .map(<[String]>::to_vec)
            .collect::<Vec<_>>();
        let batch_of = members
            .iter()
            .enumerate()
            .flat_map(|(index, batch)| batch.iter().map(move |name| (name.clone(), index)))
            .collect();
        Batches { batch_of, members }
    }
}

/// The shapes one batch read, by secret name; `None` when the call itself
/// failed, so each secret is read on its own instead.
pub type BatchShapes = Option<Arc<HashMap<String, Fact<SecretShape>>>>;

/// The current value's shape: from its batch when the secret was listed and
/// rotdoctor may batch, else with `GetSecretValue`.
pub async fn current_value(gatherer: &Gatherer, secret_id: &str) -> Fact<SecretShape> {
    let batches = &gatherer.batches;
    if let Some(&index) = batches.batch_of.get(secret_id)
        && gatherer.wanted.contains(BATCH_GET)
    {
        let names = &batches.members[index];
        let shapes = gatherer
            .shared
            .batches
            .get(&index.to_string(), batch_get(gatherer, names))
            .await;
        if let Some(shape) = shapes.as_ref().and_then(|shapes| shapes.get(secret_id)) {
            return shape.clone();
        }
    }
    get_secret_value(gatherer, secret_id).await
}

/// One `BatchGetSecretValue` call. A secret it reports an error for is left
/// out, to be read on its own: the error then says exactly what a single
/// read says, and the verdict is the same as when it is checked alone.
async fn batch_get(gatherer: &Gatherer, names: &[String]) -> BatchShapes {
    let request = gatherer
        .secrets
        .batch_get_secret_value()
        .set_secret_id_list(Some(names.to_vec()))
        .send();
    let output = gatherer
        .call(BATCH_GET, &names.join(","), request)
        .await
        .ok()?;
    let mut shapes = HashMap::new();
    for value in output.secret_values() {
        let Some(name) = value.name() else { continue };
        let shape = match (value.secret_string(), value.secret_binary()) {
            (Some(text), _) => {
                gatherer.remember_values(text);
                shape_of(text)
            }
            (None, Some(binary)) => SecretShape::Binary {
                length: binary.as_ref().len(),
            },
            (None, None) => continue,
        };
        shapes.insert(name.to_string(), Fact::Found(shape));
    }
    Some(Arc::new(shapes))
}

/// `GetSecretValue` of the `AWSCURRENT` version, as its shape.
pub async fn get_secret_value(gatherer: &Gatherer, secret_id: &str) -> Fact<SecretShape> {
    let request = gatherer
        .secrets
        .get_secret_value()
        .secret_id(secret_id)
        .send();
    match gatherer.call(GET_VALUE, secret_id, request).await {
        // AWS always names the secret and the version it read.
        Ok(output) if output.arn().is_none() || output.version_id().is_none() => {
            Fact::Unavailable(incomplete(GET_VALUE, "ARN or VersionId"))
        }
        Ok(output) => match (output.secret_string(), output.secret_binary()) {
            (Some(text), _) => {
                gatherer.remember_values(text);
                Fact::Found(shape_of(text))
            }
            (None, Some(binary)) => Fact::Found(SecretShape::Binary {
                length: binary.as_ref().len(),
            }),
            // A version holds one or the other.
            (None, None) => {
                Fact::Unavailable(incomplete(GET_VALUE, "SecretString or SecretBinary"))
            }
        },
        // No version is labelled AWSCURRENT.
        Err(SdkError::ServiceError(error))
            if matches!(
                error.err(),
                GetSecretValueError::ResourceNotFoundException(_)
            ) =>
        {
            Fact::Absent
        }
        Err(error) => Fact::Unavailable(value_lookup_error(GET_VALUE, &error)),
    }
}

/// The shape of a `SecretString`.
pub fn shape_of(text: &str) -> SecretShape {
    match serde_json::from_str::<Value>(text) {
        Err(_) => SecretShape::Text {
            length: text.chars().count(),
        },
        Ok(Value::Object(object)) => {
            let text_of = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_string);
            SecretShape::Object(ObjectShape {
                keys: object
                    .iter()
                    .map(|(key, value)| (key.clone(), JsonType::of(value)))
                    .collect(),
                engine: text_of("engine"),
                host: text_of("host"),
                port: object
                    .get("port")
                    .filter(|port| port.is_string() || port.is_number())
                    .map(Value::to_string),
                dbname: text_of("dbname"),
                masterarn: text_of("masterarn"),
                username: text_of("username"),
                user_arn: text_of("user_arn"),
                ssl: object
                    .get("ssl")
                    .filter(|ssl| ssl.is_string() || ssl.is_boolean())
                    .map(Value::to_string),
                password: object
                    .get("password")
                    .and_then(Value::as_str)
                    .map(PasswordShape::of),
            })
        }
        Ok(other) => SecretShape::JsonValue {
            json_type: JsonType::of(&other),
        },
    }
}

/// Keys whose values are configuration, not credentials.
const CONFIGURATION: [&str; 7] = [
    "engine",
    "host",
    "port",
    "dbname",
    "masterarn",
    "username",
    "ssl",
];

/// What of a SecretString to mask wherever it appears: the text itself, and
/// each string value of a JSON object that is not configuration. Values
/// under four characters are left: masking them would mask words.
pub fn values_to_mask(text: &str) -> Vec<String> {
    let mut values = vec![text.to_string()];
    if let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) {
        values.extend(
            object
                .iter()
                .filter(|(key, _)| !CONFIGURATION.contains(&key.as_str()))
                .filter_map(|(_, value)| value.as_str())
                .map(str::to_string),
        );
    }
    values.retain(|v| v.chars().count() >= 4);
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::CharClass;

    const CANARY: &str = "Canary-Pw/7@x";

    #[test]
    fn an_object_keeps_configuration_and_the_password_shape_only() {
        let text = format!(
            r#"{{"engine":"mysql","host":"db.internal","port":3306,"username":"app",
                "password":"{CANARY}","api_token":"canary-token-value","nested":{{"a":1}}}}"#
        );
        let shape = shape_of(&text);
        let saved = serde_json::to_string(&shape).unwrap();
        assert!(!saved.contains("Canary-Pw"), "{saved}");
        assert!(!saved.contains("canary-token-value"), "{saved}");
        let SecretShape::Object(object) = shape else {
            panic!("{saved}")
        };
        assert_eq!(object.engine.as_deref(), Some("mysql"));
        assert_eq!(object.port.as_deref(), Some("3306"));
        assert_eq!(object.keys["api_token"], JsonType::String);
        assert_eq!(object.keys["nested"], JsonType::Object);
        let password = object.password.unwrap();
        assert_eq!(password.length, 13);
        assert_eq!(password.count(CharClass::Slash), 1);
        assert_eq!(password.count(CharClass::At), 1);
        assert_eq!(password.count(CharClass::Lowercase), 7);
    }

    #[test]
    fn other_values_keep_only_kind_and_length() {
        assert_eq!(shape_of(CANARY), SecretShape::Text { length: 13 });
        assert_eq!(
            shape_of("[1, 2]"),
            SecretShape::JsonValue {
                json_type: JsonType::Array
            }
        );
        assert_eq!(
            shape_of("\"quoted\""),
            SecretShape::JsonValue {
                json_type: JsonType::String
            }
        );
    }

    #[test]
    fn configuration_of_the_wrong_type_is_not_kept() {
        let SecretShape::Object(object) = shape_of(r#"{"engine":{"x":"Canary"},"port":[1]}"#)
        else {
            panic!()
        };
        assert_eq!(object.engine, None);
        assert_eq!(object.port, None);
        assert_eq!(object.keys["engine"], JsonType::Object);
    }
}
