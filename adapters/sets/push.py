"""The RFC 8935 push sender (domain.events.delivery.Sender for subscriptions of kind `set`): the
event's change record rebuilt, its SET built for the receiver and signed, then POSTed as
`application/secevent+jwt` with the receiver's bearer secret, over the webhook sender's HTTP
client (kept-alive connections, no redirects, events.timeout_seconds). 2xx (RFC 8935: 202) is
delivered; a 400 is the receiver refusing the SET, its `err` and `description` kept in the
dead letter; 5xx, 408, 429 and no answer are retried. A change the receiver's filters exclude
has no SET: it counts as delivered, nothing sent. A full receiver's resource is read when its
SET is sent, as a poll reads it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from adapters.webhooks.sender import WebhookSender
from domain.events.delivery import Outcome
from domain.events.subscriptions import Subscription
from domain.events.vocabulary import Event
from domain.sets.events import Receiver
from domain.sets.push import receiver_name, record_of
from domain.sets.tokens import DataSource, SetBuilder, Signer

SET_MEDIA_TYPE = "application/secevent+jwt"
USER_AGENT = "scim-service-sets/1"
NOTHING_SENT = 204  # the outcome of a change with no SET for the receiver: done, nothing sent


@dataclass(frozen=True, slots=True)
class PushTarget:
    """A pushed receiver: who it is (filters, audience), where its SETs go, and the bearer
    secret they go with (None: no Authorization header)."""

    receiver: Receiver
    url: str
    authorization: str | None = field(default=None, repr=False)


class SetPushSender(WebhookSender):
    def __init__(self, builder: SetBuilder, signer: Signer, targets: Mapping[str, PushTarget],
                 timeout: float, data: Callable[[str], DataSource] | None = None) -> None:
        """`data(receiver name)`: where a full receiver's events read the resource (None:
        notices only)."""
        super().__init__(timeout)
        self._builder, self._signer, self._targets = builder, signer, dict(targets)
        self._data = data

    def send(self, subscription: Subscription, event: Event) -> Outcome:
        target = self._targets.get(receiver_name(subscription.name))
        if target is None:  # removed from the config since the worker started: the next start removes it
            return Outcome(None, "no such push receiver is configured (events.sets.receivers)")
        data = self._data(target.receiver.name) if self._data and target.receiver.full else None
        outgoing = self._builder.build(record_of(event), target.receiver, data)
        if not outgoing:
            return Outcome(NOTHING_SENT)
        head = {"content-type": SET_MEDIA_TYPE, "accept": "application/json", "user-agent": USER_AGENT}
        if target.authorization:
            head["authorization"] = f"Bearer {target.authorization}"
        return self.post(target.url, self._signer.sign(outgoing[0].claims).encode(), head)

    def _outcome(self, status: int, answer: bytes) -> Outcome:
        """RFC 8935 §2.3: a refused SET is a 400 with {"err", "description"}; kept (short) as
        the reason, the description a receiver's own text."""
        if status != 400:
            return Outcome(status)
        try:
            error = json.loads(answer)
        except (ValueError, RecursionError):
            return Outcome(status)
        if not isinstance(error, dict) or not isinstance(error.get("err"), str):
            return Outcome(status)
        description = error.get("description")
        text = error["err"][:64] + (f" ({description[:200]})" if isinstance(description, str) and description else "")
        return Outcome(status, "".join(ch if ch.isprintable() else "?" for ch in text))
