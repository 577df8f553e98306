"""``/api/v1/rate-plans``: our rate plans, plain and derived from another plan plus or minus a
percentage or an amount (issue 18). Thin: parse, call the use case, render.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import attrs
import msgspec
from litestar import Controller, get, patch, post
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from channel_manager.application.rate_plans import (
    MAX_CODE_LENGTH,
    RatePlanChange,
    RatePlanInput,
    RatePlanService,
    RatePlanView,
)
from channel_manager.domain.derived import amount_text
from channel_manager.entrypoints.rest.errors import error_responses as errors
from channel_manager.entrypoints.rest.modifiers import ModifierBody

_Decimal = Annotated[str, msgspec.Meta(max_length=32, description="A decimal string")]
_Name = Annotated[str, msgspec.Meta(max_length=255)]


class RatePlanBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The body of ``POST /rate-plans``. A derived plan names ``parent_rate_plan_id`` (a plain
    plan of the same property) and ``modifier``; its rate follows the parent's, and so do its
    restrictions while ``inherit_restrictions`` (the default)."""

    property_id: UUID
    name: _Name
    code: Annotated[str, msgspec.Meta(max_length=MAX_CODE_LENGTH)] | None = None
    parent_rate_plan_id: UUID | None = None
    modifier: ModifierBody | None = None
    inherit_restrictions: bool = True


class RatePlanPatchBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The body of ``PATCH /rate-plans/{id}``: what is left out stays as it is. ``modifier``
    and ``inherit_restrictions`` apply to a derived plan only; changing them derives its
    nights again from its parent's and sends them where it is mapped."""

    name: _Name | None = None
    modifier: ModifierBody | None = None
    inherit_restrictions: bool | None = None


@attrs.frozen(kw_only=True)
class ModifierOut:
    """A modifier: ``percent`` or ``amount`` (decimal strings; the other is null)."""

    percent: str | None
    amount: str | None
    description: str


@attrs.frozen(kw_only=True)
class RatePlanOut:
    """A rate plan; a derived one names its parent and modifier."""

    id: UUID
    property_id: UUID
    name: str
    code: str
    derived: bool
    parent_rate_plan_id: UUID | None
    parent_name: str | None
    modifier: ModifierOut | None
    inherit_restrictions: bool
    description: str

    @classmethod
    def of(cls, view: RatePlanView) -> RatePlanOut:
        """The API's shape of a rate plan."""
        plan, modifier = view.plan, view.plan.modifier
        return cls(
            id=plan.id,
            property_id=plan.property_id,
            name=plan.name,
            code=plan.code,
            derived=plan.is_derived,
            parent_rate_plan_id=plan.parent_rate_plan_id,
            parent_name=view.parent_name,
            modifier=None
            if modifier is None
            else ModifierOut(
                percent=None if modifier.percent is None else str(modifier.percent),
                amount=None
                if modifier.amount is None
                else str(amount_text(modifier.amount, view.currency)),
                description=view.modifier_text,
            ),
            inherit_restrictions=plan.inherit_restrictions,
            description=view.description,
        )


class RatePlansController(Controller):
    """Our rate plans: plain, or derived from another plan of the property."""

    path = "/rate-plans"
    tags = ("inventory",)

    @get("/", sync_to_thread=True, responses=errors(404))
    def list_rate_plans(
        self,
        organization_id: UUID,
        rate_plans: RatePlanService,
        property_id: Annotated[
            UUID | None,
            QueryParameter(
                description="The property (required; optional in form only, so that a "
                "request without a key is answered 401 before its parameters are read)."
            ),
        ] = None,
    ) -> list[RatePlanOut]:
        """A property's rate plans by name; derived ones name their parent and modifier."""
        if property_id is None:
            raise ValidationException("Missing required query parameter 'property_id'")
        return [RatePlanOut.of(view) for view in rate_plans.list(organization_id, property_id)]

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        sync_to_thread=True,
        responses=errors(404, 413, 422),
    )
    def create_rate_plan(
        self, organization_id: UUID, data: RatePlanBody, rate_plans: RatePlanService
    ) -> RatePlanOut:
        """Add a rate plan. With ``parent_rate_plan_id`` and ``modifier`` it is derived: its
        nights are computed at once from the parent's stored nights (from the property's
        today on) and sent where it is mapped; from then on every change of the parent is
        recomputed for it in the same transaction and sent in the same message."""
        created = rate_plans.create(
            organization_id,
            RatePlanInput(
                property_id=data.property_id,
                name=data.name,
                code=data.code,
                parent_rate_plan_id=data.parent_rate_plan_id,
                modifier=None if data.modifier is None else data.modifier.to_modifier(),
                inherit_restrictions=data.inherit_restrictions,
            ),
        )
        return RatePlanOut.of(created)

    @patch("/{rate_plan_id:uuid}", sync_to_thread=True, responses=errors(404, 413, 422))
    def update_rate_plan(
        self,
        organization_id: UUID,
        rate_plan_id: UUID,
        data: RatePlanPatchBody,
        rate_plans: RatePlanService,
    ) -> RatePlanOut:
        """Rename a plan, or change a derived plan's modifier or whether it inherits its
        parent's restrictions (its nights are then derived again and sent)."""
        changed = rate_plans.update(
            organization_id,
            rate_plan_id,
            RatePlanChange(
                name=data.name,
                modifier=None if data.modifier is None else data.modifier.to_modifier(),
                inherit_restrictions=data.inherit_restrictions,
            ),
        )
        return RatePlanOut.of(changed)
