"""`python -m devstack.moto_server -H 127.0.0.1 -p 5000`: moto server, without its Item leak.

moto keeps every model object it ever builds (`InstanceTrackerMeta`) so that its dashboard and
`/moto-api/data.json` can show them. DynamoDB builds a new `Item` for every item read or written
(every query result, batch get and transaction copy), none of which is ever let go: the process
grows without end, and `/moto-api/data.json`, where the sent emails are read, takes seconds once a
few thousand requests have been made. Items are the table's state, not history, so they are not
tracked here; everything else (the sent emails included) is served as before.

moto serves requests on several threads and does not serialise DynamoDB's: two conditional writes
to one item at the same moment could both pass their condition, which real DynamoDB never lets
happen. Here every DynamoDB request runs under one lock, so a race between two publishers (two
invocations at once) meets the same atomic conditions in tests as in AWS.
"""

import collections
import threading
from typing import Any

from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.responses import DynamoHandler
from moto.server import main

# A list that keeps nothing: moto appends each new Item to it.
Item.instances_tracked = collections.deque(maxlen=0)  # type: ignore[attr-defined]

_one_request_at_a_time = threading.Lock()
_call_action = DynamoHandler.call_action


def _serialised(self: DynamoHandler) -> Any:
    with _one_request_at_a_time:
        return _call_action(self)


DynamoHandler.call_action = _serialised  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
