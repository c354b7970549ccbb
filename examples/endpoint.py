"""A deliberately naive Smile ID callback endpoint, for trying `smile-sec callback probe`.

It does what the official SDKs' verification does, and nothing else: it recomputes the signature
from the callback's timestamp and compares it. It keeps no replay record and has no freshness
window, so a probe finds the holes it leaves. Never use it for real callbacks.

    python3 examples/endpoint.py --key-file examples/secrets/sandbox-server.key --partner-id 085 \
        --listen 127.0.0.1:8080
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--key-file", required=True, help="the API key, one line")
parser.add_argument("--partner-id", required=True)
parser.add_argument(
    "--listen", default="127.0.0.1:8080", help="loopback address and port (default 127.0.0.1:8080)"
)
args = parser.parse_args()
host, _, port = args.listen.rpartition(":")
if host not in ("127.0.0.1", "localhost") or not (
    port.isascii() and port.isdigit() and 0 < int(port) < 65536
):
    parser.error(f"--listen takes a loopback address and port, like 127.0.0.1:8080, not {args.listen!r}")

with open(args.key_file, "rb") as f:
    KEY = f.read().rstrip(b"\r\n")


class Callback(BaseHTTPRequestHandler):
    def do_POST(self):
        try:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            ts, sig = body.get("timestamp", ""), body.get("signature", "")
        except (ValueError, AttributeError):
            ts, sig = "", ""
        message = (str(ts) + args.partner_id + "sid_request").encode()
        expected = base64.b64encode(hmac.new(KEY, message, hashlib.sha256).digest()).decode()
        ok = isinstance(sig, str) and hmac.compare_digest(expected, sig)
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok":true}' if ok else b'{"error":"bad signature"}')

    def log_message(self, *_):
        pass


server = HTTPServer(("127.0.0.1", int(port)), Callback)
print(f"listening on http://127.0.0.1:{server.server_port}/ (Ctrl-C stops it)", file=sys.stderr, flush=True)
server.serve_forever()
