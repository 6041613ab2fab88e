"""Decodes header blocks with the `hpack` package from PyPI (an independent
decoder used to check h2lens's encoder; see ../hpack_encoder_oracles.rs).

stdin: JSON [[{"settings": int|null, "wire": hex}, ...] per story].
stdout: JSON [[[[name hex, value hex], ...] or "error text", ...] per story].
"""
import json
import sys

import hpack

out = []
for story in json.load(sys.stdin):
    decoder = hpack.Decoder(max_header_list_size=1 << 30)
    result = []
    for case in story:
        if case["settings"] is not None:
            decoder.max_allowed_table_size = case["settings"]
        try:
            headers = decoder.decode(bytes.fromhex(case["wire"]), raw=True)
            result.append([[n.hex(), v.hex()] for n, v in headers])
        except Exception as e:  # report, the Rust side fails the test
            result.append("%s: %s" % (type(e).__name__, e))
    out.append(result)
json.dump(out, sys.stdout)
