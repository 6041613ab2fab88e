//! Header lists as the gRPC layer sees them: name/value byte pairs in wire
//! order, whatever type the caller keeps them in.

use crate::hpack::Field;
use crate::octets::Octets;

/// A header field as a name/value pair of raw bytes.
pub trait HeaderPair {
    fn name(&self) -> &[u8];
    fn value(&self) -> &[u8];
}

/// An owned header field, the form [`crate::grpc::CallInput`] takes.
pub type Header = (Octets, Octets);

impl HeaderPair for (Octets, Octets) {
    fn name(&self) -> &[u8] {
        self.0.as_bytes()
    }
    fn value(&self) -> &[u8] {
        self.1.as_bytes()
    }
}

impl HeaderPair for (&[u8], &[u8]) {
    fn name(&self) -> &[u8] {
        self.0
    }
    fn value(&self) -> &[u8] {
        self.1
    }
}

impl HeaderPair for (&str, &str) {
    fn name(&self) -> &[u8] {
        self.0.as_bytes()
    }
    fn value(&self) -> &[u8] {
        self.1.as_bytes()
    }
}

impl HeaderPair for Field {
    fn name(&self) -> &[u8] {
        self.name.as_bytes()
    }
    fn value(&self) -> &[u8] {
        self.value.as_bytes()
    }
}

impl<T: HeaderPair + ?Sized> HeaderPair for &T {
    fn name(&self) -> &[u8] {
        (**self).name()
    }
    fn value(&self) -> &[u8] {
        (**self).value()
    }
}

/// Converts any header list to owned pairs, keeping order.
pub fn to_owned_headers<H: HeaderPair>(headers: &[H]) -> Vec<Header> {
    headers
        .iter()
        .map(|h| (Octets::from(h.name()), Octets::from(h.value())))
        .collect()
}

/// The first value of `name` (exact, lower-case match: HTTP/2 names are
/// lower case, RFC 9113 §8.2.1).
pub fn first_value<'a, H: HeaderPair>(headers: &'a [H], name: &[u8]) -> Option<&'a [u8]> {
    headers.iter().find(|h| h.name() == name).map(|h| h.value())
}

/// How many fields carry `name`.
pub fn count(headers: &[impl HeaderPair], name: &[u8]) -> usize {
    headers.iter().filter(|h| h.name() == name).count()
}
