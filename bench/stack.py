"""What the benchmarks share: the local stack started as `make dev` starts it, a meter of every
AWS call, DynamoDB's request-unit arithmetic, and the machine a figure was taken on.

- `local_stack()` starts moto server and the three network sandboxes as processes on free ports,
  provisions the template's resources in moto exactly as `make dev` does (devstack.provision),
  connects the cohort's Bluesky and Mastodon accounts, and answers devstack's `Runtime`: the
  functions' own handlers, loaded in this process with the environment the template gives them.
- `Meter` counts every botocore call made in this process (service, operation), with the read
  and write units DynamoDB would bill for it, computed from the sizes of the items read and
  written (moto's ConsumedCapacity is a constant, so it is not asked). It wraps
  `BaseClient._make_api_call`, which every client goes through (powertools' SSM provider too),
  rather than each client's event hooks, so no client made before the meter escapes it.
- DynamoDB's rules, from its developer guide ("Read/write capacity mode", "Item sizes"): a read
  unit is 4 KB read strongly consistent (half a unit eventually consistent), a Query sums the
  sizes of the items it examines before rounding up, GetItem and each BatchGetItem item round up
  on their own, a transaction costs double; a write unit is 1 KB of the item written.
"""

import math
import os
import platform
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
READ_UNIT, WRITE_UNIT = 4096, 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def machine() -> dict[str, Any]:
    """The CPU model, the cores this process may use, and the Python that ran the figure."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def value_size(value: dict[str, Any]) -> int:
    """The size DynamoDB bills for one typed attribute value ({"S": ...}, {"N": ...}, ...)."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = len(inner.lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(inner) if isinstance(inner, bytes) else len(inner.encode())
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: v}) for v in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + value_size(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any]) -> int:
    """An item's size: each attribute's name plus its value."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return units if consistent else units / 2


def write_units(item: dict[str, Any] | None) -> int:
    return max(1, math.ceil(item_size(item) / WRITE_UNIT)) if item else 1


@dataclass
class Call:
    service: str
    operation: str
    read_units: float = 0.0
    write_units: float = 0.0
    examined: int = 0  # items DynamoDB read to answer (ScannedCount for a Query)
    detail: str = ""  # what was asked for, where it matters (an SSM parameter's name)


def dynamodb_units(operation: str, params: dict[str, Any], answer: dict[str, Any]) -> Call:
    call = Call("dynamodb", operation)
    consistent = bool(params.get("ConsistentRead"))
    if operation in ("Query", "Scan"):
        items = answer.get("Items", [])
        call.examined = int(answer.get("ScannedCount", len(items)))
        call.read_units = read_units(sum(item_size(i) for i in items), consistent)
    elif operation == "GetItem":
        item = answer.get("Item")
        call.examined = 1 if item else 0
        call.read_units = read_units(item_size(item) if item else 0, consistent)
    elif operation == "BatchGetItem":
        for table, items in answer.get("Responses", {}).items():
            strong = bool(params["RequestItems"].get(table, {}).get("ConsistentRead"))
            call.examined += len(items)
            call.read_units += sum(read_units(item_size(i), strong) for i in items)
    elif operation == "TransactGetItems":
        items = [r.get("Item") for r in answer.get("Responses", [])]
        call.examined = sum(1 for i in items if i)
        call.read_units = 2 * sum(read_units(item_size(i) if i else 0, True) for i in items)
    elif operation in ("PutItem", "UpdateItem", "DeleteItem"):
        # An update bills the larger of the item before and after: the new item is a fair floor.
        call.write_units = write_units(params.get("Item") or params.get("Key"))
        if operation == "UpdateItem" and "Attributes" in answer:
            call.write_units = write_units(answer["Attributes"])
    elif operation == "BatchWriteItem":
        for writes in params.get("RequestItems", {}).values():
            for write in writes:
                item = write.get("PutRequest", {}).get("Item") or write["DeleteRequest"]["Key"]
                call.write_units += write_units(item)
    elif operation == "TransactWriteItems":
        for action in params.get("TransactItems", []):
            (_kind, body), *_ = action.items()
            call.write_units += 2 * write_units(body.get("Item") or body.get("Key"))
    return call


@dataclass
class Meter:
    """Every AWS call made in this process while the meter runs (see the module's docstring)."""

    calls: list[Call] = field(default_factory=list)

    @contextmanager
    def running(self) -> Iterator["Meter"]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        meter = self

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            answer = original(client, operation, params)
            service = client.meta.service_model.service_name
            if service == "dynamodb":
                meter.calls.append(dynamodb_units(operation, params, answer))
            else:
                meter.calls.append(Call(service, operation, detail=str(params.get("Name", ""))))
            return answer

        BaseClient._make_api_call = counted
        try:
            yield self
        finally:
            BaseClient._make_api_call = original

    def operations(self) -> Counter[str]:
        return Counter(f"{c.service}:{c.operation}" for c in self.calls)

    def read_units(self) -> float:
        return sum(c.read_units for c in self.calls)

    def write_units(self) -> float:
        return sum(c.write_units for c in self.calls)

    def examined(self) -> int:
        return sum(c.examined for c in self.calls)

    def clear(self) -> None:
        self.calls.clear()


def start(args: list[str], ready: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and modules  # nosec B603
            [sys.executable, *args], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(ready, timeout=1)
            return process
        except requests.RequestException:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    raise RuntimeError(f"{ready} did not start; see {log}")


@dataclass
class LocalStack:
    moto: str
    sandboxes: dict[str, str]  # x, bluesky, mastodon -> base URL
    web: str
    runtime: Any  # devstack.runtime.Runtime
    stack: Any  # devstack.provision.Stack

    def faults(self, network: str, endpoint: str, **fault: Any) -> None:
        body = {"endpoint": endpoint, **fault}
        requests.post(f"{self.sandboxes[network]}/sandbox/faults", json=body, timeout=10)


SANDBOX_MODULES = {
    "x": "devstack.sandbox",
    "bluesky": "devstack.bluesky",
    "mastodon": "devstack.mastodon",
}


@contextmanager
def local_stack(logs: Path | None = None) -> Iterator[LocalStack]:
    """moto server and the three sandboxes as processes; the functions in this process."""
    logs = logs or ROOT / ".devstack" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    moto = f"http://127.0.0.1:{free_port()}"
    web = f"http://127.0.0.1:{free_port()}"
    processes = [
        start(
            ["-m", "devstack.moto_server", "-H", "127.0.0.1", "-p", moto.rsplit(":", 1)[1]],
            f"{moto}/moto-api/",
            logs / "moto.log",
        )
    ]
    sandboxes: dict[str, str] = {}
    saved = dict(os.environ)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    try:
        for network, module in SANDBOX_MODULES.items():
            port = free_port()
            sandboxes[network] = f"http://127.0.0.1:{port}"
            processes.append(
                start(
                    ["-m", module, "--port", str(port)],
                    f"{sandboxes[network]}/sandbox/posts",
                    logs / f"{network}.log",
                )
            )
        from devstack.network_accounts import connect_cohort_accounts
        from devstack.provision import provision
        from devstack.runtime import Runtime, apply_environment

        stack = provision(moto, web, sandboxes["x"])
        apply_environment(stack, moto)
        os.environ.update(
            BLUESKY_SERVICE_URL=sandboxes["bluesky"],
            OUTBOUND_ALLOW_LOOPBACK_HTTP="true",
            DEVSTACK_BLUESKY_URL=sandboxes["bluesky"],
            DEVSTACK_MASTODON_URL=sandboxes["mastodon"],
        )
        for line in connect_cohort_accounts(sandboxes["bluesky"], sandboxes["mastodon"], web):
            if "not connected" in line:
                raise RuntimeError(line)
        yield LocalStack(moto, sandboxes, web, Runtime(stack, moto), stack)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        os.environ.clear()
        os.environ.update(saved)


def to_plain(value: Any) -> Any:
    """JSON-ready: Decimals from DynamoDB as numbers."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value
