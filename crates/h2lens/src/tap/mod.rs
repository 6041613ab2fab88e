//! Mesh tap streams: `linkerd tap -o json`, Envoy tap traces.
