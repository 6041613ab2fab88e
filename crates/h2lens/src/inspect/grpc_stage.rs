//! gRPC calls from exchanges: collects each exchange's headers and DATA,
//! and summarises gRPC ones with [`crate::grpc::summarize`].

use crate::config::GrpcLimits;
use crate::grpc::{summarize, CallOptions};
use crate::protobuf::Schema;

use super::{Collector, Event, EventKind};

#[derive(Debug)]
pub(super) struct GrpcStage {
    collector: Collector,
    limits: GrpcLimits,
    schema: Option<Schema>,
    decode_raw: bool,
}

impl GrpcStage {
    pub fn new(limits: &GrpcLimits, schema: Option<Schema>, decode_raw: bool) -> GrpcStage {
        GrpcStage {
            collector: Collector::new(true, limits.max_message_size as usize),
            limits: limits.clone(),
            schema,
            decode_raw,
        }
    }

    /// Looks at one event; returns a gRPC call event when an exchange it
    /// completes was a gRPC call.
    pub fn observe(&mut self, event: &Event) -> Option<Event> {
        let exchange = self.collector.push(event)?;
        if !exchange.is_grpc() {
            return None;
        }
        let call = summarize(&exchange.call_input(), &self.options());
        Some(Event {
            conn: Some(exchange.conn),
            kind: EventKind::GrpcCall(Box::new(call)),
        })
    }

    /// A call from a tap exchange (already joined by the tap decoder).
    pub fn tap_call(&self, exchange: &crate::tap::TapExchange) -> Option<Event> {
        let input = exchange.call_input();
        let grpc = input.request_headers.iter().any(|(n, v)| {
            n.as_bytes() == b"content-type"
                && crate::grpc::classify_content_type(v.as_bytes()).is_some()
        });
        grpc.then(|| Event {
            conn: None,
            kind: EventKind::GrpcCall(Box::new(summarize(&input, &self.options()))),
        })
    }

    fn options(&self) -> CallOptions<'_> {
        CallOptions {
            limits: self.limits.clone(),
            schema: self.schema.as_ref(),
            decode_raw: self.decode_raw,
        }
    }
}
