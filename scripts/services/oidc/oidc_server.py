#!/usr/bin/env python3
"""
A tiny OpenID Connect token issuer for the test Kafka broker's OAUTHBEARER listener (started by
scripts/services.sh, on 127.0.0.1 only). Python's standard library and the openssl command only.

  oidc_server.py --port PORT --dir DIR --client ID:SECRET [--client ID:SECRET ...]
                 [--issuer URL] [--audience AUD] [--marker TEXT]

  POST /token   the OAuth 2 client-credentials grant (RFC 6749 4.4): the client authenticates
                with HTTP Basic (as librdkafka's `sasl.oauthbearer.method=oidc` does) or with
                `client_id`/`client_secret` form fields; `grant_type` must be
                `client_credentials`. Answers {"access_token": an RS256 JWT, "token_type":
                "Bearer", "expires_in": 3600}, or 400/401 with an OAuth error object.
                Claims: iss, sub (the client id), aud, iat, nbf, exp, scope (the requested one, or
                "kafka"), jti.
  GET /jwks     the JSON Web Key Set with the signing key's public half (kid "eventbus-test").
  GET /health   "ok".

The RSA signing key (DIR/signing.key, made with openssl on first start) stays in DIR, so a
restart keeps the key the broker cached. The marker argument is ignored: it only makes this
process recognisable by its command line (see scripts/lib/common.sh).
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

KID = "eventbus-test"
LIFETIME = 3600


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Signer:
    """An RSA key on disk, used through the openssl command."""

    def __init__(self, directory: str):
        self.key = os.path.join(directory, "signing.key")
        if not os.path.exists(self.key):
            os.makedirs(directory, exist_ok=True)
            subprocess.run(
                ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                 "-out", self.key + ".tmp"],
                check=True, capture_output=True)
            os.replace(self.key + ".tmp", self.key)
        modulus = subprocess.run(
            ["openssl", "rsa", "-in", self.key, "-noout", "-modulus"],
            check=True, capture_output=True, text=True).stdout.strip()
        n = int(modulus.split("=", 1)[1], 16)
        self.jwk = {
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KID,
            "n": b64url(n.to_bytes((n.bit_length() + 7) // 8, "big")),
            "e": b64url((65537).to_bytes(3, "big")),
        }

    def sign(self, claims: dict) -> str:
        """An RS256 JWT (compact serialization) of `claims`."""
        header = {"alg": "RS256", "typ": "JWT", "kid": KID}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                         + b64url(json.dumps(claims, separators=(",", ":")).encode()))
        signature = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", self.key],
            input=signing_input.encode("ascii"), check=True, capture_output=True).stdout
        return signing_input + "." + b64url(signature)


def make_handler(signer: Signer, clients: dict, issuer: str, audience: str):
    """The request handler class, bound to the key and the registered clients."""

    class Handler(BaseHTTPRequestHandler):
        """GET /jwks, GET /health, POST /token."""

        server_version = "eventbus-test-oidc/1"

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            """One line per request on stderr (the service log), never a secret."""
            sys.stderr.write("%s %s\n" % (self.log_date_time_string(), format % args))

        def reply(self, status: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # pylint: disable=invalid-name
            if self.path == "/jwks":
                self.reply(200, {"keys": [signer.jwk]})
            elif self.path == "/health":
                self.reply(200, {"status": "ok"})
            else:
                self.reply(404, {"error": "not_found"})

        def do_POST(self):  # pylint: disable=invalid-name
            if self.path != "/token":
                self.reply(404, {"error": "not_found"})
                return
            length = min(int(self.headers.get("Content-Length") or 0), 65536)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode("utf-8", "replace")).items()}
            client_id, secret = form.get("client_id"), form.get("client_secret")
            auth = self.headers.get("Authorization") or ""
            if auth.lower().startswith("basic "):
                try:
                    decoded = base64.b64decode(auth[6:].strip()).decode("utf-8")
                    user, _, password = decoded.partition(":")
                    client_id, secret = unquote(user), unquote(password)
                except (ValueError, UnicodeDecodeError):
                    self.reply(401, {"error": "invalid_client", "error_description": "bad Basic header"})
                    return
            if form.get("grant_type") != "client_credentials":
                self.reply(400, {"error": "unsupported_grant_type"})
                return
            if client_id is None or clients.get(client_id) != secret:
                self.reply(401, {"error": "invalid_client",
                                 "error_description": "unknown client or wrong secret"})
                return
            now = int(time.time())
            claims = {
                "iss": issuer, "sub": client_id, "aud": audience, "iat": now, "nbf": now,
                "exp": now + LIFETIME, "scope": form.get("scope") or "kafka",
                "jti": str(uuid.uuid4()),
            }
            self.reply(200, {"access_token": signer.sign(claims), "token_type": "Bearer",
                             "expires_in": LIFETIME})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--client", action="append", default=[], help="ID:SECRET")
    parser.add_argument("--issuer", default=None)
    parser.add_argument("--audience", default="eventbus-kafka")
    parser.add_argument("--marker", default="")
    args = parser.parse_args()
    clients = dict(c.split(":", 1) for c in args.client)
    issuer = args.issuer or f"http://127.0.0.1:{args.port}"
    signer = Signer(args.dir)
    server = ThreadingHTTPServer(("127.0.0.1", args.port),
                                 make_handler(signer, clients, issuer, args.audience))
    sys.stderr.write(f"oidc: listening on http://127.0.0.1:{args.port} (issuer {issuer})\n")
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
