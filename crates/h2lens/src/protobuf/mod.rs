//! Protobuf payloads: schema-less raw decoding and decoding by a protoset.
