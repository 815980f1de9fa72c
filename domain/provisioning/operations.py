"""The write use cases of one resource type, as the HTTP adapter finds them by the type's name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.provisioning.commands import DeleteCommand, PatchCommand, View, WriteCommand


@dataclass(frozen=True)
class ResourceOperations:
    """create (POST), replace (PUT), patch (PATCH) and delete (DELETE) of one resource type:
    for Users ProvisionUser, ReplaceUser, PatchUser, DeleteUser; for Groups CreateGroup,
    ReplaceGroup, PatchGroup, DeleteGroup."""

    create: Callable[[WriteCommand], View]
    replace: Callable[[WriteCommand], View]
    patch: Callable[[PatchCommand], View]
    delete: Callable[[DeleteCommand], None]
