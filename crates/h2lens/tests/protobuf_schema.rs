//! Decoding by a protoset built with the real protoc (grpcio-tools) from the
//! corpus's payments.proto (`scripts/fixtures/grpc_protoset.sh`). Expected
//! shapes come from payments.proto itself and the proto3 JSON mapping.

use std::path::PathBuf;

use h2lens::protobuf::{MessageRole, Schema};
use serde_json::json;

fn schema() -> Schema {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/grpc/payments.protoset");
    Schema::from_protoset(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn methods_from_the_proto() {
    let s = schema();
    let m = s.method(b"/payments.v1.Payments/ListPayments").unwrap();
    assert_eq!(m.input_type, "payments.v1.ListPaymentsRequest");
    assert_eq!(m.output_type, "payments.v1.Payment");
    assert!(m.server_streaming && !m.client_streaming);
    let m = s.method(b"/payments.v1.Payments/GetPayment").unwrap();
    assert!(!m.server_streaming);
    assert!(s.method(b"/payments.v1.Payments/Nope").is_none());
    assert!(s.method(b"payments.v1.Payments/GetPayment").is_none());
    assert!(s.method(&[0xff, b'/']).is_none());
}

#[test]
fn decodes_to_proto3_json() {
    let s = schema();
    // Payment{payment_id:"p-1", amount_minor:1250 (int64 → JSON string), currency:"EUR"}
    let bytes = b"\x0a\x03p-1\x18\xe2\x09\x22\x03EUR";
    let d = s
        .decode_for_method(
            b"/payments.v1.Payments/GetPayment",
            MessageRole::Response,
            bytes,
        )
        .unwrap();
    assert_eq!(d.type_name, "payments.v1.Payment");
    assert_eq!(
        d.json,
        json!({"paymentId": "p-1", "amountMinor": "1250", "currency": "EUR"})
    );
    // ListPaymentsRequest{limit: 5} with an unknown field 9.
    let d = s
        .decode_for_method(
            b"/payments.v1.Payments/ListPayments",
            MessageRole::Request,
            b"\x10\x05\x48\x01",
        )
        .unwrap();
    assert_eq!(d.json, json!({"limit": 5}));
    assert_eq!(d.unknown_fields, [9]);
    let e = s
        .decode_as("payments.v1.Payment", b"\x0a\x05ab")
        .unwrap_err();
    assert_eq!(e.code, "protobuf.schema_decode_failed");
    assert_eq!(
        s.decode_for_method(b"/x.Y/Z", MessageRole::Request, b"")
            .unwrap_err()
            .code,
        "protobuf.method_not_in_schema"
    );
    assert_eq!(
        Schema::from_protoset(b"\x0a\x02\x08").unwrap_err().code,
        "protobuf.bad_protoset"
    );
}
