"""Events: what the change records mean to the applications behind the service (the vocabulary),
who wants which (subscriptions), and their delivery from the change records, the outbox."""
