"""Measures rotdoctor against moto behind a proxy that adds a fixed latency
to every request, as a real region does, and prints figures.

For 1, 100 and 1,000 secrets rotated by 5 shared functions: API requests in
total and per secret, wall time, wall time over the latency (the run's
sequential round trips, moto's own time included), the longest chain of
requests sent one after another, the time from launch to the first request,
and peak memory. For one secret it also times the
manual investigation with the AWS CLI through the same proxy, and the
slowdown when 30% of requests are throttled (tests/moto/faults.py in front
of the proxy), for the retry settings rotdoctor could choose. Then the
chain for one secret whose function runs in a VPC with a Secrets Manager
endpoint, and a scan of 10 accounts by 3 Regions of 100 secrets each
against one account and Region alone. For every `--all` run it checks the
request budget: no API's busiest second in any account and Region holds
more requests than rotdoctor's share of AWS's quota lets through in a
second (the published rate plus burst, src/gather/budget.rs).

Usage: bench.py ROTDOCTOR_BINARY [SIZES...]
"""

import asyncio
import io
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile

import re
from collections import Counter, defaultdict

import boto3

LATENCY = 0.050
FUNCTIONS = 5
VENV = os.path.dirname(sys.executable)
# moto's server, without the directory listing it repeats on every request.
MOTO_SERVER = os.path.join(os.path.dirname(__file__), "moto_server.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """Forwards every request to moto after `latency` seconds, and records
    when each arrived and was answered.

    One asyncio loop on a thread of its own: a scan keeps hundreds of
    requests waiting out their latency at once, and a thread and
    http.server's header parsing for each would cost the machine more CPU
    than rotdoctor does, on the same two cores as moto."""

    def __init__(self, upstream, accounts=None):
        self.upstream = upstream
        # A moto of its own per account, for a scan over accounts: one moto
        # is one Python process, one core, for every account's requests.
        # Each account's role is assumed in its moto, whose keys then go
        # there too.
        self.accounts = accounts or {}
        self.keys = {}
        self.latency = LATENCY
        # When each request arrived and when its answer was sent.
        self.spans = []
        # Each request's (access key, Region), the API action it named, and
        # the second it was signed in (X-Amz-Date).
        self.requests = []
        self.lock = threading.Lock()
        # A scan opens hundreds of connections at once: a short listen
        # backlog would make the kernel drop their SYNs, and a client wait
        # out the retransmissions (1 + 2 + 4 + ... seconds).
        self.socket = socket.create_server(("127.0.0.1", 0), backlog=1024)
        self.server_address = self.socket.getsockname()
        self.idle = defaultdict(list)
        self.loop = None
        self.stopped = None

    def serve_forever(self):
        asyncio.run(self.serve())

    async def serve(self):
        self.loop = asyncio.get_running_loop()
        self.stopped = asyncio.Event()
        # moto is one process, whose listen backlog a scan of many accounts
        # would overflow (connections reset): a few requests at a time reach it.
        self.upstream_slots = asyncio.Semaphore(32)
        server = await asyncio.start_server(self.connection, sock=self.socket, limit=2**20)
        async with server:
            await self.stopped.wait()

    def shutdown(self):
        if self.loop:
            self.loop.call_soon_threadsafe(self.stopped.set)

    def clear(self):
        with self.lock:
            self.spans.clear()
            self.requests.clear()

    def chain(self):
        """The most requests that ran one after another, each sent once the
        one before was answered: the run's sequential round trips, whatever
        moto's own time per request. (Earliest-finishing first gives the
        longest such chain.)"""
        longest, free_at = 0, 0.0
        for start, end in sorted(self.spans, key=lambda span: span[1]):
            if start >= free_at:
                longest, free_at = longest + 1, end
        return longest

    async def connection(self, reader, writer):
        """One client connection: its requests, one after another."""
        try:
            while True:
                request = await read_message(reader, request=True)
                if request is None:
                    break
                arrived = time.monotonic()
                start, headers, body = request
                try:
                    status, answer_headers, payload = await self.answer(start, headers, body)
                finally:
                    with self.lock:
                        self.spans.append((arrived, time.monotonic()))
                        self.requests.append((*action(start, headers, body), headers.get("x-amz-date", "?")))
                writer.write(encode(status, answer_headers, payload))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def answer(self, start, headers, body):
        await asyncio.sleep(self.latency)
        if "CloudTrail" in headers.get("x-amz-target", ""):
            # moto has no LookupEvents: answer as a region with no events would.
            return b"HTTP/1.1 200 OK", [("Content-Type", "application/x-amz-json-1.1")], b'{"Events": []}'
        port = self.upstream_for(headers, body)
        async with self.upstream_slots:
            status, answer_headers, payload = await self.exchange(port, start, headers, body)
        granted = re.search(rb"<AccessKeyId>(\w+)</AccessKeyId>", payload)
        if granted:
            with self.lock:
                self.keys[granted.group(1).decode()] = port
        return status, answer_headers, payload

    def upstream_for(self, headers, body):
        """The moto of the account a request acts in: the one that granted
        its key, or for AssumeRole the one of the role's account."""
        key = re.search(r"Credential=([^/]+)/", headers.get("authorization", ""))
        port = key and self.keys.get(key.group(1))
        if port:
            return port
        role = re.search(rb"RoleArn=arn%3A[\w-]+%3Aiam%3A%3A(\d{12})%3A", body)
        if role and role.group(1).decode() in self.accounts:
            return self.accounts[role.group(1).decode()]
        return self.upstream

    async def exchange(self, port, start, headers, body):
        """One request to the moto on `port`, over a connection kept open
        for the next (a new connection a request costs moto and the proxy
        more than the request itself)."""
        forwarded = [(name, value) for name, value in headers.raw if name.lower() not in ("content-length", "transfer-encoding")]
        message = encode(start, forwarded, body)
        for attempt in range(2):
            idle = self.idle[port]
            reader, writer = idle.pop() if idle else await asyncio.open_connection("127.0.0.1", port, limit=2**20)
            try:
                writer.write(message)
                answer = await read_message(reader, request=False, head=start.startswith(b"HEAD"))
                if answer is None:
                    raise ConnectionError("moto closed the connection")
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if attempt:
                    raise
                continue
            status, answer_headers, payload = answer
            if answer_headers.get("connection", "").lower() == "close":
                writer.close()
            else:
                idle.append((reader, writer))
            kept = [(n, v) for n, v in answer_headers.raw if n.lower() not in ("content-length", "transfer-encoding", "connection")]
            return status, kept, payload


class Headers(dict):
    """A message's headers: by lower-case name, and as sent (`raw`)."""

    def __init__(self, raw):
        super().__init__((name.lower(), value) for name, value in raw)
        self.raw = raw


async def read_message(reader, request, head=False):
    """(start line, headers, body) of the next HTTP/1.1 message, or None at
    the end of the connection. A body comes with its length, in chunks, or
    (an answer only) until the connection closes."""
    try:
        block = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial.strip():
            raise
        return None
    start, *lines = block[:-4].split(b"\r\n")
    headers = Headers([tuple(part.strip() for part in line.decode("latin-1").split(":", 1)) for line in lines])
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        body = b"".join(chunks)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif request or head or start.split(b" ")[1] in (b"204", b"304"):
        body = b""
    else:
        body = await reader.read()
        headers["connection"] = "close"
    return start, headers, body


def encode(start, headers, body):
    lines = [start, *(f"{name}: {value}".encode("latin-1") for name, value in headers)]
    lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def action(start, headers, body):
    """(access key, Region) and "service:Operation" of a request, from its
    signature's credential scope and its target, form or path."""
    scope = re.search(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/", headers.get("authorization", ""))
    if not scope:
        return ("?", "?"), "?"
    key, region, service = scope.groups()
    target = headers.get("x-amz-target")
    form = re.search(rb"(?:^|&)Action=(\w+)", body)
    path = start.split(b" ")[1].split(b"?")[0]
    if target:
        operation = target.rsplit(".", 1)[-1]
    elif form:
        operation = form.group(1).decode()
    elif service == "lambda":
        operation = "GetPolicy" if path.endswith(b"/policy") else "GetFunction"
    else:
        operation = "?"
    return (key, region), f"{service}:{operation}"


def start_moto():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    # The simple Lambda backend: no Docker, so seeding is quick.
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/moto-api/config",
        data=json.dumps({"lambda": {"use_docker": False}}).encode(),
        method="POST",
    )
    urllib.request.urlopen(request).read()
    return server, port


def seed(port, size, account="123456789012", region="us-east-1", credentials=None):
    """`size` secrets rotated by FUNCTIONS functions, in `account` (moto's
    own, or one whose role's `credentials` are given) and `region`."""
    settings = dict(
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name=region,
        **(credentials or dict(aws_access_key_id="testing", aws_secret_access_key="testing")),
    )
    iam = boto3.client("iam", **settings)
    lam = boto3.client("lambda", **settings)
    sm = boto3.client("secretsmanager", **settings)
    # IAM is global: a second Region of the account finds the role made.
    try:
        role = iam.get_role(RoleName="rotation")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = None
    role = role or iam.create_role(
        RoleName="rotation",
        AssumeRolePolicyDocument=json.dumps(
            {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        ),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName="rotation",
        PolicyName="rotation",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]}
        ),
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("lambda_function.py", "def lambda_handler(event, context):\n    pass\n")
    functions = []
    for n in range(FUNCTIONS):
        arn = lam.create_function(
            FunctionName=f"rotate-{n}",
            Runtime="python3.12",
            Role=role,
            Handler="lambda_function.lambda_handler",
            Code={"ZipFile": archive.getvalue()},
        )["FunctionArn"]
        lam.add_permission(
            FunctionName=arn,
            StatementId="SecretsManagerAccess",
            Action="lambda:InvokeFunction",
            Principal="secretsmanager.amazonaws.com",
            SourceAccount=account,
        )
        functions.append(arn)
    value = json.dumps({"engine": "postgres", "host": "db.internal", "username": "app", "password": "x" * 24})
    for n in range(size):
        arn = sm.create_secret(Name=f"app/secret-{n:04d}", SecretString=value)["ARN"]
        sm.rotate_secret(
            SecretId=arn,
            RotationLambdaARN=functions[n % FUNCTIONS],
            RotationRules={"AutomaticallyAfterDays": 30},
            RotateImmediately=False,
        )


def budgets(share_percent=50):
    """Each budgeted action's most requests in one second: rotdoctor's
    share of what AWS's bucket lets through, its burst plus a second of its
    rate (src/gather/budget.rs's QUOTAS, read rather than copied)."""
    source = open(os.path.join(os.path.dirname(__file__), "..", "src", "gather", "budget.rs")).read()
    share = share_percent / 100
    return {
        action: int(max(1.0, float(rate) * share) + max(1.0, float(burst) * share))
        for action, rate, burst in re.findall(r'\("(\w+:\w+)", ([\d.]+), ([\d.]+)\)', source)
    }


def busiest_seconds(requests):
    """Per action, the most requests of one account and Region signed in one
    second. The signing time is the sender's: the proxy's own arrival times
    run late for a new connection while it accepts hundreds of them, which
    would make two requests sent a second apart look closer."""
    per_second = Counter(requests)
    busiest = defaultdict(int)
    for (_, action, _), count in per_second.items():
        busiest[action] = max(busiest[action], count)
    return busiest


def budget_held(proxy):
    """Prints whether every budgeted API stayed within its budget."""
    allowed = budgets()
    busiest = busiest_seconds(proxy.requests)
    seen = [action for action in allowed if busiest.get(action)]
    over = [action for action in seen if busiest[action] > allowed[action]]
    figures = ", ".join(f"{action} {busiest[action]}/{allowed[action]}" for action in seen)
    print(f"         budget {'OVER for ' + ', '.join(over) if over else 'held'} (busiest second/budget): {figures}")


def run(command, env):
    """Runs a command; returns its wall time and peak RSS in MiB."""
    wall, peak, _, code = measure(command, env)
    return wall, peak, code


def measure(command, env):
    """Runs a command; returns its wall time, peak RSS in MiB, CPU seconds
    (user and system) and exit code."""
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return time.monotonic() - started, usage.ru_maxrss / 1024, cpu, os.waitstatus_to_exitcode(status)


def verdicts(command, env):
    """Each secret's check statuses in a JSON report."""
    report = json.loads(subprocess.run(command, env=env, capture_output=True, check=False).stdout)
    return {
        entry["secret"]["name"]: [finding["status"] for finding in entry["findings"]]
        for entry in report["secrets"]
    }


def same_verdicts(binary, moto_port, size):
    """--all gives every secret the verdicts it gets when checked alone.
    Straight to moto, without the proxy: moto answers LookupEvents with an
    error, which one attempt settles the same way for both."""
    env = dict(environment(moto_port), AWS_MAX_ATTEMPTS="1")
    together = verdicts([binary, "check", "--all", "--output", "json"], env)
    alone = {}
    for name in together:
        alone.update(verdicts([binary, "check", name, "--output", "json"], env))
    equal = sum(1 for name in together if together[name] == alone.get(name))
    print(f"         verdicts: {equal} of {len(together)} secrets the same under --all as checked alone")


RETRY_CHOICES = [
    ("standard, 10 attempts (rotdoctor's default)", {}),
    ("standard, 3 attempts", {"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "3"}),
    ("adaptive, 3 attempts", {"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "3"}),
    ("adaptive, 10 attempts", {"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "10"}),
]
# The throttled runs' commands, each run this many times.
THROTTLED_RUNS = 5


def throttled(command, proxy_port, clean_wall):
    """Wall time and `error` findings with 30% of requests throttled, in each
    service's own error format, for each retry choice."""
    faults = subprocess.Popen(
        [
            sys.executable,
            os.path.join(os.path.dirname(__file__), "..", "tests", "moto", "faults.py"),
            f"http://127.0.0.1:{proxy_port}",
            json.dumps([{"operation": "*", "fault": "throttle", "rate": 0.3}]),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        port = int(faults.stdout.readline())
        base = environment(port)
        for variable in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):
            base.pop(variable, None)
        for label, extra in RETRY_CHOICES:
            env = dict(base, **extra)
            walls, errors = [], 0
            for _ in range(THROTTLED_RUNS):
                started = time.monotonic()
                done = subprocess.run(command, env=env, capture_output=True, check=False)
                walls.append(time.monotonic() - started)
                errors += done.stdout.count(b'"status": "error"')
            mean = sum(walls) / len(walls)
            print(
                f"         30% throttled, {label}: {mean:.2f} s a run ({mean / clean_wall:.1f}x), "
                f"{errors} error findings in {THROTTLED_RUNS} runs"
            )
    finally:
        faults.terminate()
        faults.wait()


def environment(proxy_port):
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{proxy_port}",
        NO_COLOR="1",
    )
    return env


MANUAL = [
    ["secretsmanager", "describe-secret", "--secret-id", "app/secret-0000"],
    ["lambda", "get-function", "--function-name", "rotate-0"],
    ["lambda", "get-policy", "--function-name", "rotate-0"],
    ["iam", "get-role", "--role-name", "rotation"],
    ["iam", "list-role-policies", "--role-name", "rotation"],
    ["iam", "get-role-policy", "--role-name", "rotation", "--policy-name", "rotation"],
    ["iam", "list-attached-role-policies", "--role-name", "rotation"],
    ["secretsmanager", "get-resource-policy", "--secret-id", "app/secret-0000"],
    ["secretsmanager", "get-secret-value", "--secret-id", "app/secret-0000", "--query", "Name"],
    ["secretsmanager", "list-secret-version-ids", "--secret-id", "app/secret-0000"],
    ["ec2", "describe-vpc-endpoints"],
    ["ec2", "describe-route-tables"],
    ["ec2", "describe-security-groups"],
    ["logs", "describe-log-streams", "--log-group-name", "/aws/lambda/rotate-0"],
]


def vpc_chain(binary):
    """One secret whose function runs in a VPC that reaches Secrets Manager
    through an interface endpoint (tests/moto/seed.py's scenario): the
    network's EC2 lookups are the most a check adds to the chain."""
    moto, moto_port = start_moto()
    try:
        seeded = subprocess.run(
            [sys.executable, "tests/moto/seed.py", f"http://127.0.0.1:{moto_port}", "network-endpoint-healthy"],
            check=True,
            capture_output=True,
        )
        json.loads(seeded.stdout)
        proxy = Proxy(moto_port)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        env = environment(proxy.server_address[1])
        command = [binary, "check", "prod/orders-db", "--output", "json"]
        run(command, env)
        runs = []
        for _ in range(5):
            proxy.clear()
            wall, _, _ = run(command, env)
            runs.append((proxy.chain(), wall, len(proxy.spans)))
        chain, wall, requests = min(runs)
        print(f"function in a VPC with a Secrets Manager endpoint, one secret: {requests} requests, chain {chain}, {wall:.2f} s (best of 5)")
        proxy.shutdown()
    finally:
        moto.terminate()
        moto.wait()


ORG_ACCOUNTS = [f"2000000000{n:02d}" for n in range(10)]
ORG_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
ORG_SECRETS = 100


def assumed(port, account):
    """Credentials in `account`: moto acts in the account of an assumed role."""
    sts = boto3.client(
        "sts",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    granted = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed"
    )["Credentials"]
    return dict(
        aws_access_key_id=granted["AccessKeyId"],
        aws_secret_access_key=granted["SecretAccessKey"],
        aws_session_token=granted["SessionToken"],
    )


def cpu_seconds(pid):
    """The user and system CPU time a process has used (/proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scope_verdicts(command, env):
    """Each secret's check statuses, by account, Region and name."""
    report = json.loads(subprocess.run(command, env=env, capture_output=True, check=False).stdout)
    return {
        (entry["secret"]["account"], entry["secret"]["region"], entry["secret"]["name"]): [
            finding["status"] for finding in entry["findings"]
        ]
        for entry in report["secrets"]
    }


def org_scale(binary):
    """10 accounts by 3 Regions of 100 secrets each, in one run, against one
    account and Region alone: wall time, peak memory, the budget, and each
    secret's verdicts the same as when its account and Region run alone."""
    moto, moto_port = start_moto()
    motos = {account: start_moto() for account in ORG_ACCOUNTS}
    accounts_file = f"/tmp/rotdoctor-bench-accounts-{os.getpid()}"
    try:
        def seed_account(account):
            port = motos[account][1]
            credentials = assumed(port, account)
            for region in ORG_REGIONS:
                seed(port, ORG_SECRETS, account, region, credentials)

        seeding = [threading.Thread(target=seed_account, args=(account,)) for account in ORG_ACCOUNTS]
        for thread in seeding:
            thread.start()
        for thread in seeding:
            thread.join()
        with open(accounts_file, "w") as f:
            f.write("\n".join(ORG_ACCOUNTS) + "\n")
        proxy = Proxy(moto_port, {account: port for account, (_, port) in motos.items()})
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        env = environment(proxy.server_address[1])
        scan = [binary, "check", "--all", "--accounts", accounts_file, "--output", "json"]
        everything = [*scan, "--regions", ",".join(ORG_REGIONS)]
        run(everything, env)
        proxy.clear()
        servers = [moto, *(server for server, _ in motos.values())]
        before = sum(cpu_seconds(server.pid) for server in servers), sum(os.times()[:2])
        wall, peak, cpu, _ = measure(everything, env)
        moto_cpu = sum(cpu_seconds(server.pid) for server in servers) - before[0]
        proxy_cpu = sum(os.times()[:2]) - before[1]
        requests = len(proxy.requests)
        print(
            f"{len(ORG_ACCOUNTS)} accounts x {len(ORG_REGIONS)} Regions x {ORG_SECRETS} secrets: "
            f"{requests} requests, {wall:.2f} s, peak {peak:.1f} MiB; CPU: rotdoctor {cpu:.2f} s, "
            f"moto {moto_cpu:.2f} s, the proxy {proxy_cpu:.2f} s, on {os.cpu_count()} cores"
        )
        budget_held(proxy)
        # What moto and the proxy cost on their own: no latency, no budget.
        proxy.latency = 0
        bare = run([*everything, "--quota-share", "100"], env)[0]
        proxy.latency = LATENCY
        print(f"         with no added latency and the whole quota: {bare:.2f} s (moto's and the proxy's own time, mostly)")
        single_file = accounts_file + "-one"
        with open(single_file, "w") as f:
            f.write(ORG_ACCOUNTS[0] + "\n")
        one = [binary, "check", "--all", "--accounts", single_file, "--output", "json", "--regions", ORG_REGIONS[0]]
        alone_wall = min(run(one, env)[0] for _ in range(3))
        print(f"         one account and Region alone: {alone_wall:.2f} s (best of 3); the scan takes {wall / alone_wall:.2f}x")
        # Verdicts, without the added latency: each account and Region alone.
        proxy.latency = 0
        together = scope_verdicts(everything, env)
        alone = {}
        for account in ORG_ACCOUNTS:
            with open(single_file, "w") as f:
                f.write(account + "\n")
            for region in ORG_REGIONS:
                alone.update(scope_verdicts([*scan[:4], single_file, "--output", "json", "--regions", region], env))
        equal = sum(1 for key in together if together[key] == alone.get(key))
        print(f"         verdicts: {equal} of {len(together)} secrets the same as with their account and Region alone")
        proxy.shutdown()
    finally:
        for path in (accounts_file, accounts_file + "-one"):
            if os.path.exists(path):
                os.remove(path)
        for server, _ in [(moto, moto_port), *motos.values()]:
            server.terminate()
            server.wait()


def main():
    binary = sys.argv[1]
    sizes = [int(s) for s in sys.argv[2:]] or [1, 100, 1000]
    print(f"latency {LATENCY * 1000:.0f} ms per request; {FUNCTIONS} shared rotation functions")
    print(f"{'secrets':>8} {'requests':>9} {'per secret':>11} {'wall s':>8} {'round trips':>12} {'chain':>6} {'start ms':>8} {'peak MiB':>9}")
    for size in sizes:
        moto, moto_port = start_moto()
        try:
            seed(moto_port, size)
            proxy = Proxy(moto_port)
            threading.Thread(target=proxy.serve_forever, daemon=True).start()
            env = environment(proxy.server_address[1])
            command = [binary, "check", "--all", "--output", "json"] if size > 1 else [binary, "check", "app/secret-0000", "--output", "json"]
            # moto loads each service on its first call: warm it up first.
            run(command, env)
            # A single secret takes a fraction of a second: report its best of 5.
            runs = []
            for _ in range(5 if size == 1 else 1):
                proxy.clear()
                launched = time.monotonic()
                wall, peak, _ = run(command, env)
                first = (min(start for start, _ in proxy.spans) - launched) * 1000
                runs.append((wall, peak, first, len(proxy.spans), proxy.chain()))
            wall, peak, first, requests, chain = min(runs)
            print(
                f"{size:>8} {requests:>9} {requests / size:>11.2f} {wall:>8.2f} {wall / LATENCY:>12.1f} {chain:>6} {first:>8.0f} {peak:>9.1f}"
            )
            if size > 1:
                budget_held(proxy)
            if size == 1:
                proxy.latency = 0
                bare = min(run(command, env)[0] for _ in range(5))
                proxy.latency = LATENCY
                print(f"         with no added latency: {bare:.2f} s (process start and moto's own time)")
                manual = 0.0
                for words in MANUAL:
                    elapsed, _, _ = run([os.path.join(VENV, "aws"), *words, "--output", "json"], env)
                    manual += elapsed
                print(f"         manual AWS CLI path: {len(MANUAL)} commands, {manual:.2f} s, {manual / wall:.0f}x rotdoctor's wall time")
                throttled(command, proxy.server_address[1], wall)
            proxy.shutdown()
            if size == max(sizes):
                same_verdicts(binary, moto_port, size)
        finally:
            moto.terminate()
            moto.wait()
    vpc_chain(binary)
    org_scale(binary)
    versions = [run([binary, "--version"], os.environ)[0] for _ in range(20)]
    print(f"rotdoctor --version: {min(versions) * 1000:.1f} ms (best of 20)")
    stripped = subprocess.run(["strip", "-o", "/tmp/rotdoctor-stripped", binary], check=False)
    if stripped.returncode == 0:
        print(f"binary: {os.path.getsize(binary) / 2**20:.1f} MiB, stripped {os.path.getsize('/tmp/rotdoctor-stripped') / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
