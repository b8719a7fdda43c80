//! Jupyter messages on the wire (messaging protocol 5.3): the frames of one message, their
//! HMAC-SHA256 signature, and the headers of new messages.
//!
//! A message is a list of ZeroMQ frames: routing identities, the delimiter `<IDS|MSG>`, the
//! signature (hex HMAC of the next four frames under the connection file's key), the header,
//! the parent header, the metadata and the content (each a JSON object), then any binary
//! buffers. A message whose signature does not match, or whose frames are not of that form, is
//! refused with a [`WireError`]: the kernel logs it and goes on.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use serde_json::{json, Value as Json};
use sha2::Sha256;

/// The frame between the routing identities and the signed part of a message.
pub const DELIMITER: &[u8] = b"<IDS|MSG>";

/// The protocol version this kernel speaks.
pub const PROTOCOL_VERSION: &str = "5.3";

/// One Jupyter message, its JSON parts parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// The routing identities (on the iopub channel, the topic).
    pub identities: Vec<Bytes>,
    /// `msg_id`, `session`, `username`, `date`, `msg_type`, `version`.
    pub header: Json,
    /// The header of the request this message answers, or `{}`.
    pub parent_header: Json,
    /// Extra information about the message, usually `{}`.
    pub metadata: Json,
    /// What the message says; its form depends on `msg_type`.
    pub content: Json,
    /// Binary buffers after the content (unused by this kernel, kept as received).
    pub buffers: Vec<Bytes>,
}

/// Why a received list of frames is not a message this kernel accepts.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The frames lack the delimiter or one of the four signed parts.
    #[error("a message without the `<IDS|MSG>` delimiter and its four parts")]
    Frames,
    /// The signature does not match the key.
    #[error("a message whose signature does not match the connection key")]
    Signature,
    /// A part is not a JSON object, or the header has no `msg_type`.
    #[error("a message whose {0} is not a JSON object of the protocol's form")]
    Json(&'static str),
}

/// The key that signs and checks messages (`signature_scheme` `hmac-sha256`); an empty key
/// means messages are not signed.
#[derive(Clone)]
pub struct Signer {
    key: Option<Hmac<Sha256>>,
}

impl Signer {
    /// A signer for `key` (the connection file's `key`).
    pub fn new(key: &str) -> Signer {
        let key =
            (!key.is_empty()).then(|| Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key"));
        Signer { key }
    }

    /// The hex signature of the four parts ("" without a key).
    pub fn sign(&self, parts: [&[u8]; 4]) -> String {
        match &self.key {
            None => String::new(),
            Some(mac) => {
                let mut mac = mac.clone();
                for part in parts {
                    mac.update(part);
                }
                hex::encode(mac.finalize().into_bytes())
            }
        }
    }

    /// Whether `signature` (hex) signs the four parts; compared in constant time.
    fn verify(&self, signature: &[u8], parts: [&[u8]; 4]) -> bool {
        let Some(mac) = &self.key else { return true };
        let Ok(expected) = hex::decode(signature) else { return false };
        let mut mac = mac.clone();
        for part in parts {
            mac.update(part);
        }
        mac.verify_slice(&expected).is_ok()
    }

    /// Parses and checks the frames of one received message.
    pub fn decode(&self, frames: Vec<Bytes>) -> Result<Message, WireError> {
        let at = frames.iter().position(|f| f.as_ref() == DELIMITER).ok_or(WireError::Frames)?;
        let mut rest = frames.into_iter();
        let identities: Vec<Bytes> = rest.by_ref().take(at).collect();
        rest.next();
        let parts: Vec<Bytes> = rest.collect();
        let [signature, header, parent, metadata, content, ..] = &parts[..] else { return Err(WireError::Frames) };
        if !self.verify(signature, [header, parent, metadata, content]) {
            return Err(WireError::Signature);
        }
        let object = |bytes: &Bytes, what: &'static str| match serde_json::from_slice::<Json>(bytes) {
            Ok(value @ Json::Object(_)) => Ok(value),
            _ => Err(WireError::Json(what)),
        };
        let header = object(header, "header")?;
        if !header["msg_type"].is_string() {
            return Err(WireError::Json("header"));
        }
        Ok(Message {
            identities,
            header,
            parent_header: object(parent, "parent header")?,
            metadata: object(metadata, "metadata")?,
            content: object(content, "content")?,
            buffers: parts[5..].to_vec(),
        })
    }

    /// The frames of `message`, signed.
    pub fn encode(&self, message: &Message) -> Vec<Bytes> {
        let json = |v: &Json| Bytes::from(serde_json::to_vec(v).expect("JSON values serialise"));
        let (header, parent, metadata, content) =
            (json(&message.header), json(&message.parent_header), json(&message.metadata), json(&message.content));
        let signature = self.sign([&header, &parent, &metadata, &content]);
        let mut frames = message.identities.clone();
        frames.extend([Bytes::from_static(DELIMITER), Bytes::from(signature), header, parent, metadata, content]);
        frames.extend(message.buffers.iter().cloned());
        frames
    }
}

impl Message {
    /// The message's type, from its header.
    pub fn msg_type(&self) -> &str {
        self.header["msg_type"].as_str().unwrap_or("")
    }

    /// A new message of `msg_type` in `session`, answering the request whose header is
    /// `parent` (or `{}`), to `identities`.
    pub fn new(session: &str, msg_type: &str, parent: &Json, identities: Vec<Bytes>, content: Json) -> Message {
        Message {
            identities,
            header: json!({
                "msg_id": uuid::Uuid::new_v4().to_string(),
                "session": session,
                "username": "tscript",
                "date": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                "msg_type": msg_type,
                "version": PROTOCOL_VERSION,
            }),
            parent_header: parent.clone(),
            metadata: json!({}),
            content,
            buffers: Vec::new(),
        }
    }

    /// The reply of type `msg_type` to this request, to the same peer.
    pub fn reply(&self, session: &str, msg_type: &str, content: Json) -> Message {
        Message::new(session, msg_type, &self.header, self.identities.clone(), content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(signer: &Signer) -> Vec<Bytes> {
        let request =
            Message::new("s", "kernel_info_request", &json!({}), vec![Bytes::from_static(b"peer")], json!({}));
        signer.encode(&request)
    }

    #[test]
    fn a_signed_message_reads_back() {
        let signer = Signer::new("secret");
        let sent = frames(&signer);
        assert_eq!(sent[1].as_ref(), DELIMITER);
        assert_eq!(sent[2].len(), 64, "a hex SHA-256 HMAC");
        let got = signer.decode(sent).expect("decodes");
        assert_eq!(got.msg_type(), "kernel_info_request");
        assert_eq!(got.identities, vec![Bytes::from_static(b"peer")]);
        let reply = got.reply("k", "kernel_info_reply", json!({"status": "ok"}));
        assert_eq!(reply.parent_header, got.header);
        assert_eq!(reply.header["version"], "5.3");
    }

    #[test]
    fn the_python_reference_signature_matches() {
        // hmac.new(b"key", b"{}" * 4, hashlib.sha256).hexdigest()
        let signer = Signer::new("key");
        let sig = signer.sign([b"{}", b"{}", b"{}", b"{}"]);
        assert_eq!(sig, "ca767b02c5bc061ed184a9a029e7f93a7f2f7ed4e8fe74120fc1212f0b008fa3");
        assert_eq!(Signer::new("").sign([b"{}", b"{}", b"{}", b"{}"]), "");
    }

    #[test]
    fn bad_signatures_and_malformed_frames_are_refused() {
        let signer = Signer::new("secret");
        let wrong = Signer::new("other");
        assert_eq!(signer.decode(frames(&wrong)), Err(WireError::Signature));
        let mut bad_hex = frames(&signer);
        bad_hex[2] = Bytes::from_static(b"not hex");
        assert_eq!(signer.decode(bad_hex), Err(WireError::Signature));
        let mut short = frames(&signer);
        short.truncate(4);
        assert_eq!(signer.decode(short), Err(WireError::Frames));
        assert_eq!(signer.decode(vec![Bytes::from_static(b"x")]), Err(WireError::Frames));
        let unsigned = Signer::new("");
        let mut not_json = frames(&unsigned);
        not_json[6] = Bytes::from_static(b"[1, 2");
        assert_eq!(unsigned.decode(not_json), Err(WireError::Json("content")));
        let mut no_type = frames(&unsigned);
        no_type[3] = Bytes::from_static(b"{\"msg_id\": \"1\"}");
        assert_eq!(unsigned.decode(no_type), Err(WireError::Json("header")));
    }
}
