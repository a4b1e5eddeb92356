//! The Kafka side of an inspection consumer: each message's [`MessageOrigin`] and the
//! [`UnknownHandler`] hook for event types this program has no type for.

use super::{Failure, KafkaConsumer};
use crate::consume::WriterSchema;
use crate::consume::{handle_unknown, MessageError, MessageOrigin, UnknownEvent, UnknownHandler};
use crate::kafka::framing::unframe;
use crate::kafka::headers;
use rdkafka::message::Message;

impl KafkaConsumer {
    /// Give the messages of event types this program has no type for to `handler` (with their
    /// headers, metadata, writer schema from the registry and Avro data) instead of failing them
    /// with [`MessageError::UnknownEventType`]; the handler's `Ok` commits the message.
    #[must_use]
    pub fn on_unknown(mut self, handler: UnknownHandler) -> Self {
        self.on_unknown = Some(handler);
        self
    }

    /// Where `message` was read from, its key decoded with its writer schema when possible.
    pub(super) async fn origin<M: Message>(&self, message: &M) -> MessageOrigin {
        let key = message.key();
        let decoded_key = match key.map(unframe) {
            Some(Ok((id, avro))) => match self.registry.schema_by_id(id).await {
                Ok(writer) => crate::avro::avro_to_json(&writer.parsed, avro).ok(),
                Err(error) => {
                    tracing::debug!(%error, id, "the key's schema is not available");
                    None
                }
            },
            _ => None,
        };
        MessageOrigin::Kafka {
            topic: message.topic().to_owned(),
            partition: message.partition(),
            offset: message.offset(),
            key: key.map(<[u8]>::to_vec),
            decoded_key,
        }
    }

    /// A message of the unknown type `event_type`: to the [`UnknownHandler`], else failed.
    pub(super) async fn unknown<M: Message>(
        &self,
        message: &M,
        headers: &[(&str, Option<&[u8]>)],
        event_type: String,
    ) -> Result<(), Failure> {
        let Some(handler) = &self.on_unknown else {
            return Err(Failure::Message(MessageError::UnknownEventType {
                event_type,
            }));
        };
        let metadata = headers::NAMES
            .metadata(headers)
            .map_err(|e| Failure::Message(e.into()))?;
        let (id, avro, writer) = self.writer_schema(message).await?;
        let event = UnknownEvent {
            event_type,
            metadata,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.map(<[u8]>::to_vec)))
                .collect(),
            writer_schema: Some(WriterSchema {
                id,
                text: writer.text.clone(),
                parsed: writer.parsed.clone(),
            }),
            data: avro.to_vec(),
            origin: self.origin(message).await,
        };
        handle_unknown(handler, event)
            .await
            .map_err(Failure::Message)
    }
}
