"""`python -m devstack.moto_server -H 127.0.0.1 -p 5000`: moto server, without its Item leak.

moto keeps every model object it ever builds (`InstanceTrackerMeta`) so that its dashboard and
`/moto-api/data.json` can show them. DynamoDB builds a new `Item` for every item read or written
(every query result, batch get and transaction copy), none of which is ever let go: the process
grows without end, and `/moto-api/data.json`, where the sent emails are read, takes seconds once a
few thousand requests have been made. Items are the table's state, not history, so they are not
tracked here; everything else (the sent emails included) is served as before.
"""

import collections

from moto.dynamodb.models.dynamo_type import Item
from moto.server import main

# A list that keeps nothing: moto appends each new Item to it.
Item.instances_tracked = collections.deque(maxlen=0)  # type: ignore[attr-defined]

if __name__ == "__main__":
    main()
