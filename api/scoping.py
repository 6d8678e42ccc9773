"""The one place that scopes configuration queries (Postgres/SQLite objects) to an organization.

Views that read or write organization-owned objects inherit `OrganizationScopedMixin` and set
`model`; they may not override `get_queryset`/`get_object` (refused at class definition, so an
unscoped query cannot slip in). Another organization's object is a 404, never a 403.
"""

from typing import Any

from django.db import models

from accounts.models import Organization
from core.errors import NotFound
from interface.requests import request_organization


class OrganizationScopedMixin:
    model: type[models.Model]
    organization_field = "organization"
    request: Any

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("get_queryset", "get_object"):
            if name in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} overrides {name}; organization scoping lives only in "
                    "OrganizationScopedMixin. Filter further in `scoped_queryset_filter` instead."
                )

    @property
    def organization(self) -> Organization:
        return request_organization(self.request)

    def scoped_queryset_filter(self, queryset: models.QuerySet) -> models.QuerySet:
        """Hook for narrowing (ordering, select_related); the org filter is already applied."""
        return queryset

    def get_queryset(self) -> models.QuerySet:
        queryset = self.model._default_manager.filter(
            **{self.organization_field: self.organization}
        )
        return self.scoped_queryset_filter(queryset)

    def get_object(self, pk: Any = None) -> models.Model:
        pk = pk if pk is not None else self.kwargs.get("pk")
        obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            raise NotFound("Not found.")
        return obj
