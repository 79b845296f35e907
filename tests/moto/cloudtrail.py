"""CloudTrail's LookupEvents, which moto lacks, answered from recorded events.

Usage: cloudtrail.py EVENTS_FILE SECRET_ARN

EVENTS_FILE holds CloudTrail records as the service logs them, with
`{secret_arn}`, `{account}` and `{hours_ago:N}` (an ISO 8601 time N hours
before now) filled in at start. The server answers each LookupEvents
request with the records its lookup attribute (EventName or Username) and
StartTime select, newest first, as CloudTrail does. Every other request is
refused. It prints its port on stdout once it listens; point the SDK at it
with AWS_ENDPOINT_URL_CLOUDTRAIL.
"""

import datetime
import http.server
import json
import re
import sys

TARGET = "CloudTrail_20131101.LookupEvents"


def load(path, secret_arn):
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    text = open(path).read()
    text = text.replace("{secret_arn}", secret_arn).replace("{account}", secret_arn.split(":")[4])
    text = re.sub(
        r"\{hours_ago:(\d+)\}",
        lambda m: (now - datetime.timedelta(hours=int(m.group(1)))).strftime("%Y-%m-%dT%H:%M:%SZ"),
        text,
    )
    return json.loads(text)


def as_event(record):
    """A record as LookupEvents returns it: a few fields, and the record itself as a string."""
    time = datetime.datetime.strptime(record["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    identity = record.get("userIdentity", {})
    username = identity.get("arn", "").rsplit("/", 1)[-1] or identity.get("invokedBy", "")
    return {
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": str(record.get("readOnly", False)).lower(),
        "EventTime": time.timestamp(),
        "EventSource": record["eventSource"],
        "Username": username,
        "Resources": [],
        "CloudTrailEvent": json.dumps(record),
    }


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if self.headers.get("X-Amz-Target") != TARGET:
            return self.answer(400, {"__type": "UnknownOperationException", "message": "only LookupEvents"})
        events = [as_event(record) for record in self.server.records]
        for attribute in body.get("LookupAttributes", []):
            key, value = attribute["AttributeKey"], attribute["AttributeValue"]
            events = [e for e in events if e.get(key) == value]
        if "StartTime" in body:
            events = [e for e in events if e["EventTime"] >= float(body["StartTime"])]
        events.sort(key=lambda e: e["EventTime"], reverse=True)
        self.answer(200, {"Events": events})

    def answer(self, status, document):
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.records = load(sys.argv[1], sys.argv[2])
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
