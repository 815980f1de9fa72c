"""/Me (RFC 7644 §3.11): which User the authenticated credential is bound to. The routes then
run the same use cases on that User as on /Users/{id}; this module only finds its id."""

from __future__ import annotations

from domain.errors import NotFound, NotSupported
from domain.model import Principal
from domain.ports import Transactions
from domain.query.ast import Compare, Query
from domain.query.paths import resolve
from domain.schema.attributes import ResourceType


class FindMe:
    """The id of the User a principal stands for, and the lookup by userName (caseExact false,
    RFC 7643 §4.1.1) that a binding by name and `token create --user` share."""

    def __init__(self, tx: Transactions, user_type: ResourceType) -> None:
        self._tx = tx
        self._user_name = resolve(user_type, "userName")

    def id_of(self, principal: Principal) -> str:
        """The bound user's id. Raises NotSupported (501: /Me needs a bound credential) when the
        credential is bound to no one, NotFound when its user by name does not exist. A binding
        by id is returned as it is: the use case that reads or writes it answers 404 if the user
        is gone."""
        binding = principal.me
        if binding is None or (binding.user_id is None and binding.user_name is None):
            raise NotSupported(f"/Me: the credential {principal.name!r} is bound to no user "
                               "(scim.auth `me`, or `scim-service token create --user`)")
        if binding.user_id is not None:
            return binding.user_id
        assert binding.user_name is not None
        found = self.by_user_name(binding.user_name)
        if found is None:
            raise NotFound(f"/Me: no User with userName {binding.user_name!r}, the user the credential "
                           f"{principal.name!r} is bound to")
        return found

    def by_user_name(self, user_name: str) -> str | None:
        """The id of the User with this userName, compared case-insensitively; None if none."""
        query = Query(Compare(self._user_name, "eq", user_name), count=1, with_total=False)
        with self._tx(write=False) as uow:
            page = uow.users.search(query)
        return page.items[0].id if page.items else None
