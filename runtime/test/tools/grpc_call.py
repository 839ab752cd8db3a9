#!/usr/bin/python3
"""An outside gRPC client for the tests: Debian's grpcio (gRPC C-core), not grpc-js.

usage: grpc_call.py PORT [CALLS_JSON]   (without CALLS_JSON: read from stdin)
CALLS_JSON is a list of {"method": "ModelInfer", "request_hex": "...", "metadata": [[k, v], ...], "timeout": s}.
Each call is made in order on one channel; prints one JSON line per call:
{"code": "OK" | status name, "details": str, "details_length": int, "response_hex": str, "trailers": {...}}.
"""
import json
import sys

import grpc

port, calls = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else sys.stdin.read())
options = [("grpc.max_receive_message_length", 64 * 1024 * 1024), ("grpc.max_send_message_length", 64 * 1024 * 1024)]
with grpc.insecure_channel(f"127.0.0.1:{port}", options=options) as channel:
    for c in calls:
        method = channel.unary_unary(f"/inference.GRPCInferenceService/{c['method']}")
        request = bytes.fromhex(c.get("request_hex", ""))
        if "repeat_request" in c:
            request = request * int(c["repeat_request"])
        metadata = [(k, v * int(n)) for k, v, n in ((m + [1])[:3] for m in c.get("metadata", []))]
        try:
            response, call = method.with_call(request, metadata=metadata, timeout=c.get("timeout", 30))
            out = {"code": "OK", "details": "", "response_hex": response.hex(), "trailers": dict(call.trailing_metadata() or [])}
        except grpc.RpcError as e:
            out = {"code": e.code().name, "details": e.details() or "", "trailers": dict(e.trailing_metadata() or [])}
        out["details_length"] = len(out["details"])
        print(json.dumps(out), flush=True)
