"""A proxy in front of moto that misbehaves as real networks and APIs do.

Usage: faults.py UPSTREAM RULES_JSON [CLOUDTRAIL_UPSTREAM]

Forwards every request to UPSTREAM (moto), CloudTrail's to
CLOUDTRAIL_UPSTREAM when given (the recorded LookupEvents server), except where a rule matches its
operation, named `<signing service>:<Operation>` (`secretsmanager:GetSecretValue`,
`lambda:GetFunction`, `ec2:DescribeSubnets`) or `*` for every operation.
RULES_JSON is a list of {"operation": ..., "fault": ..., "rate": 0..1}
(rate 1 when left out), and an optional "region" that the request's
signature must name; the first matching rule whose draw hits decides:

- hang: read the request and never answer (the connection stays open);
- deny: AWS's access-denied error, in the service's own wire format;
- throttle: the service's own throttling error;
- empty: HTTP 200 with an empty body;
- truncate: moto's answer cut to its first half.

Draws come from a fixed seed, so a run is repeatable. It prints its port on
stdout once it listens, and listens on 127.0.0.1 only.
"""

import http.client
import http.server
import json
import random
import re
import sys
import threading
import time
import urllib.parse

# Query-protocol services answer errors in XML; EC2's XML differs.
QUERY = {"iam", "rds", "sts"}
# Lambda is REST-JSON: its operation is in the method and path.
LAMBDA_ROUTES = [
    ("GET", r"^/2015-03-31/functions/[^/]+/policy", "GetPolicy"),
    ("GET", r"^/2015-03-31/functions/[^/]+/configuration", "GetFunctionConfiguration"),
    ("GET", r"^/2019-09-30/functions/[^/]+/concurrency", "GetFunctionConcurrency"),
    ("GET", r"^/2015-03-31/functions/[^/]+/?$", "GetFunction"),
    ("GET", r"^/2017-03-31/tags/", "ListTags"),
]
DENY = {
    "json": (400, "AccessDeniedException"),
    "lambda": (403, "AccessDeniedException"),
    "query": (403, "AccessDenied"),
    "ec2": (403, "UnauthorizedOperation"),
}
THROTTLE = {
    "json": (400, "ThrottlingException"),
    "lambda": (429, "TooManyRequestsException"),
    "query": (400, "Throttling"),
    "ec2": (503, "RequestLimitExceeded"),
}
# The longest a hung request is held before the proxy lets go of it.
HANG_SECONDS = 120


def region_of(headers):
    match = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    return match.group(1) if match else "unknown"


def service_of(headers):
    match = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    return match.group(1) if match else "unknown"


def operation_of(method, path, headers, body):
    service = service_of(headers)
    target = headers.get("X-Amz-Target")
    if target:
        return service, "json", f"{service}:{target.rsplit('.', 1)[-1]}"
    if service == "lambda":
        for route_method, pattern, name in LAMBDA_ROUTES:
            if method == route_method and re.search(pattern, path):
                return service, "lambda", f"lambda:{name}"
        return service, "lambda", f"lambda:{method} {path}"
    action = urllib.parse.parse_qs(body.decode(errors="replace")).get("Action", [""])[0]
    action = action or urllib.parse.parse_qs(urllib.parse.urlparse(path).query).get("Action", [""])[0]
    protocol = "ec2" if service == "ec2" else "query"
    return service, protocol, f"{service}:{action}"


def error_answer(protocol, status_code, message):
    status, code = status_code
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}, body
    if protocol == "lambda":
        body = json.dumps({"Type": "User", "Message": message}).encode()
        return status, {"Content-Type": "application/json", "x-amzn-ErrorType": code}, body
    if protocol == "ec2":
        body = (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>"
            f"<Message>{message}</Message></Error></Errors><RequestID>faults</RequestID></Response>"
        ).encode()
        return status, {"Content-Type": "text/xml"}, body
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
        f"</Error><RequestId>faults</RequestId></ErrorResponse>"
    ).encode()
    return status, {"Content-Type": "text/xml"}, body


class Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream, rules, cloudtrail=None):
        super().__init__(("127.0.0.1", 0), Handler)
        self.upstream = urllib.parse.urlparse(upstream)
        self.cloudtrail = urllib.parse.urlparse(cloudtrail or upstream)
        self.rules = rules
        self.random = random.Random(1234)
        self.lock = threading.Lock()

    def fault_for(self, operation, region):
        with self.lock:
            for rule in self.rules:
                if rule.get("region", region) != region:
                    continue
                if rule["operation"] in ("*", operation) and self.random.random() < rule.get("rate", 1):
                    return rule["fault"]
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        service, protocol, operation = operation_of(self.command, self.path, self.headers, body)
        fault = self.server.fault_for(operation, region_of(self.headers))
        if fault == "hang":
            time.sleep(HANG_SECONDS)
            self.close_connection = True
            return
        if fault in ("deny", "throttle"):
            table = DENY if fault == "deny" else THROTTLE
            message = f"injected {fault} of {operation}"
            status, headers, answer = error_answer(protocol, table[protocol], message)
            return self.answer(status, headers, answer)
        if fault == "empty":
            return self.answer(200, {"Content-Type": "application/x-amz-json-1.1"}, b"")
        status, headers, answer = self.forward(body, service)
        if fault == "truncate":
            answer = answer[: len(answer) // 2]
        self.answer(status, headers, answer)

    def forward(self, body, service):
        upstream = self.server.cloudtrail if service == "cloudtrail" else self.server.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        headers["Host"] = upstream.netloc
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        kept = {
            k: v
            for k, v in response.getheaders()
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date")
        }
        connection.close()
        return response.status, kept, answer

    def answer(self, status, headers, body):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    upstream, rules = sys.argv[1], json.loads(sys.argv[2])
    proxy = Proxy(upstream, rules, sys.argv[3] if len(sys.argv) > 3 else None)
    print(proxy.server_address[1], flush=True)
    proxy.serve_forever()


if __name__ == "__main__":
    main()
