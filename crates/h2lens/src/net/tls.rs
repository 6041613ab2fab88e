//! TLS hello inspection (placeholder, filled below).
